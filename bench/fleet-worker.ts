import { rmSync } from 'node:fs';
import path from 'node:path';
import { createStation, type StationCore } from '../main/core/station';
import { createNodeUpdater } from '../main/host/node-updater';
import { TEST_PASSWORD } from '../server/testing/fixtures';

/*
 * One worker process of the fleet benchmark: real station cores (main/core with its SQLite store,
 * sync client, live stream, health reports and update service; electron-updater through the
 * Node app adapter), each with its own data folder and credential. The worker plays the
 * installer main/host does not have: a core restarts at the version it downloaded. Version
 * 1.2.0 is the faulty build: it asks the server for pull pages of 0 changes, which the server
 * refuses, so its stations really fail to sync and say so in their health reports.
 */

export interface WorkerStation {
  id: string;
  credential: string;
  serverUrl: string;
  user: string;
  branch: string;
}

export type ToWorker = { type: 'start'; stations: WorkerStation[]; dataRoot: string; publicKeyPem: string; version: string } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready'; count: number; failed: number }
  | { type: 'downloaded'; id: string; version: string; at: number }
  | { type: 'checked'; id: string; at: number; offered: string | null }
  | { type: 'running'; id: string; version: string; at: number };

export const FAULTY_VERSION = '1.2.0';

const send = (m: FromWorker) => {
  if (process.connected) process.send?.(m);
};
// The benchmark ended (or failed): the cores go with it.
process.on('disconnect', () => process.exit(0));

interface Core {
  spec: WorkerStation;
  station: StationCore;
  version: string;
  downloaded: string | null;
  checkedAt: string | null;
  restarting: boolean;
}

const cores = new Map<string, Core>();
let dataRoot = '';
let publicKeyPem = '';

async function launch(spec: WorkerStation, version: string): Promise<Core> {
  const core: Core = { spec, version, downloaded: null, checkedAt: null, restarting: false, station: null as unknown as StationCore };
  core.station = createStation({
    dataDir: path.join(dataRoot, spec.id),
    serverUrl: spec.serverUrl,
    credential: spec.credential,
    appVersion: version,
    updater: createNodeUpdater,
    releasePublicKey: publicKeyPem,
    // Nobody works at these stations: an idle station installs what it downloaded at once.
    updatePolicy: { idleBeforeInstallMs: 0 },
    installer: (v) => void install(core, v),
    sync: { pullIntervalMs: 30_000, backoffBaseMs: 500, backoffMaxMs: 5000, ...(version === FAULTY_VERSION ? { pullPageSize: 0 } : {}) },
    healthReportEveryMs: 5000,
    healthIncidentGapMs: 1000,
  });
  cores.set(spec.id, core);
  await core.station.handlers.signIn({ username: spec.user, password: TEST_PASSWORD, branch: spec.branch });
  send({ type: 'running', id: spec.id, version, at: Date.now() });
  return core;
}

async function install(core: Core, version: string): Promise<void> {
  if (core.restarting) return;
  core.restarting = true;
  // The policy installs right after the verified download (nobody is at the station): that moment.
  send({ type: 'downloaded', id: core.spec.id, version, at: Date.now() });
  // Let the policy finish its turn before the core goes away under it.
  await new Promise((r) => setImmediate(r));
  await core.station.close();
  for (let attempt = 0; ; attempt++) {
    try {
      await launch(core.spec, version);
      return;
    } catch {
      if (attempt >= 5) return;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
}

// Report what changed, every 50 ms: downloads, checks, with the worker's clock.
setInterval(() => {
  for (const core of cores.values()) {
    if (core.restarting) continue;
    const u = core.station.update?.status();
    if (!u) continue;
    if (u.downloadedVersion && u.downloadedVersion !== core.downloaded) send({ type: 'downloaded', id: core.spec.id, version: u.downloadedVersion, at: Date.now() });
    core.downloaded = u.downloadedVersion;
    if (u.lastCheckedAt && u.lastCheckedAt !== core.checkedAt) send({ type: 'checked', id: core.spec.id, at: Date.parse(u.lastCheckedAt), offered: u.offeredVersion });
    core.checkedAt = u.lastCheckedAt;
  }
}, 50).unref();

process.on('message', (m: ToWorker) => {
  void (async () => {
    if (m.type === 'start') {
      dataRoot = m.dataRoot;
      publicKeyPem = m.publicKeyPem;
      let failed = 0;
      // A few at a time: each signs in (the station derives its offline verifier: a scrypt).
      for (let i = 0; i < m.stations.length; i += 4) {
        const r = await Promise.allSettled(m.stations.slice(i, i + 4).map((s) => launch(s, m.version)));
        for (const x of r) {
          if (x.status !== 'rejected') continue;
          if (failed++ < 2) console.error(`  a station core failed to start: ${x.reason instanceof Error ? `${x.reason.name}: ${x.reason.message}` : String(x.reason)}`);
        }
      }
      send({ type: 'ready', count: m.stations.length - failed, failed });
    } else if (m.type === 'stop') {
      await Promise.allSettled([...cores.values()].map((c) => c.station.close()));
      rmSync(dataRoot, { recursive: true, force: true });
      process.exit(0);
    }
  })();
});
