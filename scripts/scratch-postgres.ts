import { mkdtempSync, rmSync } from 'node:fs';
import { environment } from './config';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from './embedded-pg';

/**
 * A PostgreSQL that tests and benchmarks may create databases and roles in: DATABASE_URL when
 * set, otherwise an embedded one in a temporary folder, removed by stop().
 */
export interface ScratchPostgres {
  adminUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function scratchPostgres(): Promise<ScratchPostgres> {
  const url = environment().DATABASE_URL;
  if (url) {
    await dropStaleTestDatabases(url);
    return { adminUrl: url, embedded: false, stop: async () => {} };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'wardstation-scratch-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), password: 'scratch', persistent: false, initialise: true });
  return {
    adminUrl: server.superuserUrl(),
    embedded: true,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Databases left behind by a killed run; their names carry their creation time (base-36 seconds). */
async function dropStaleTestDatabases(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = Math.floor(Date.now() / 1000);
    const dbs = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'wt\\_%'`);
    for (const { datname } of dbs.rows) {
      const stamp = parseInt(datname.split('_')[1] ?? '', 36);
      if (!Number.isFinite(stamp) || now - stamp < 6 * 3600) continue;
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      for (const suffix of ['_login', '_app', '_owner']) await client.query(`DROP ROLE IF EXISTS "${datname}${suffix}"`);
    }
  } finally {
    await client.end();
  }
}
