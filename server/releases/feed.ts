import type { Platform, ReleaseFile, RolloutState } from '../../contract/releases';
import { reachedBy, type Ring, type StationIdentity } from './rings';

/*
 * What the update feed answers one station, and the answer in electron-updater's own format
 * (the generic provider's latest.yml / latest-linux.yml / latest-mac.yml). Pure functions.
 */

export interface Release {
  id: number;
  channel: string;
  version: string;
  notes: string;
  files: ReleaseFile[];
  releaseDate: Date;
}

export interface Rollout {
  id: number;
  channel: string;
  release: Release;
  baseline: Release | null;
  ringPosition: number;
  state: RolloutState;
}

/**
 * The newest rollout decides: a station its rings reached gets the candidate (also while paused
 * or halted, which only stop the rollout from reaching further); everyone else, and everyone
 * after a rollback, gets the baseline, the previous good version. Null: nothing to offer.
 */
export function offerFor(rollout: Rollout | null, rings: readonly Ring[], station: StationIdentity): Release | null {
  if (!rollout) return null;
  if (rollout.state === 'rolled_back') return rollout.baseline;
  if (reachedBy(rings, rollout.ringPosition, station)) return rollout.release;
  return rollout.baseline;
}

export const FEED_FILES: Record<string, Platform> = {
  'latest.yml': 'win',
  'latest-linux.yml': 'linux',
  'latest-mac.yml': 'mac',
};

/** A YAML scalar: JSON's double-quoted strings are valid YAML and need no escaping rules of ours. */
const y = (v: string | number) => (typeof v === 'number' ? String(v) : JSON.stringify(v));

/** electron-updater's UpdateInfo as YAML (files[{url, sha512, size}], path, sha512, releaseDate). */
export function updateInfoYaml(release: Release, platform: Platform): string | null {
  const files = release.files.filter((f) => f.platform === platform);
  const first = files[0];
  if (!first) return null;
  const lines = [`version: ${y(release.version)}`, 'files:'];
  for (const f of files) {
    lines.push(`  - url: ${y(f.url)}`, `    sha512: ${y(f.sha512)}`, `    size: ${y(f.size)}`);
    if (f.signature) lines.push(`    signature: ${y(f.signature)}`);
  }
  lines.push(`path: ${y(first.url)}`, `sha512: ${y(first.sha512)}`, `releaseDate: ${y(release.releaseDate.toISOString())}`);
  if (release.notes) lines.push(`releaseNotes: ${y(release.notes)}`);
  return `${lines.join('\n')}\n`;
}
