import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { createStation, type StationCore, type StationOptions } from '../main/core/station';
import { startStationHost, type StationHost } from '../main/host/http-host';
import { ensureUiBuilt } from '../scripts/build-ui';
import { enrolStation } from '../server/admin/credentials';
import type { Database } from '../server/db/database';

export interface RunningStation {
  station: StationCore;
  host: StationHost;
  /** The page address with the per-launch secret in its fragment, as the launcher prints it. */
  pageUrl: string;
  close(): Promise<void>;
}

/** A real station (SQLite in a temp folder) enrolled at `ward`, served with its renderer by main/host. */
export async function startStation(owner: Kysely<Database>, serverUrl: string, branch: string, ward: string, extra: Partial<StationOptions> = {}): Promise<RunningStation> {
  const dir = mkdtempSync(path.join(tmpdir(), 'station-ui-'));
  const { credential } = await enrolStation(owner, branch, ward, `${ward} e2e station`);
  const station = createStation({ dataDir: dir, serverUrl, credential, sync: { backoffBaseMs: 100, backoffMaxMs: 800, pullIntervalMs: 2000 }, ...extra });
  const host = await startStationHost(station.handlers, { staticDir: await ensureUiBuilt('station'), events: station.events });
  return {
    station,
    host,
    pageUrl: `${host.url}/#secret=${encodeURIComponent(host.secret)}`,
    async close() {
      await host.close();
      await station.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
