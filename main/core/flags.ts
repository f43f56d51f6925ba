import type { FeatureFlag } from '../../contract/flags';
import type { StationFlags } from '../../contract/station-api';
import { getConfig, setConfig, type Store } from './store';

/* The branch's feature flags as they last came down with sync, kept in the store for offline use. */

const KEY = 'feature_flags';

export function saveFlags(store: Store, flags: readonly FeatureFlag[], receivedAt = new Date()): void {
  const map: StationFlags['flags'] = {};
  for (const f of flags) map[f.key] = { enabled: f.enabled, value: f.value };
  setConfig(store, KEY, JSON.stringify({ flags: map, receivedAt: receivedAt.toISOString() }));
}

export function readFlags(store: Store): StationFlags {
  const raw = getConfig(store, KEY);
  if (!raw) return { flags: {}, receivedAt: null };
  try {
    return JSON.parse(raw) as StationFlags;
  } catch {
    return { flags: {}, receivedAt: null };
  }
}
