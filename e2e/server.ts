import type { Kysely } from 'kysely';
import { ensureUiBuilt } from '../scripts/build-ui';
import { DEFAULT_AUTH_POLICY } from '../server/auth/policy';
import type { Database } from '../server/db/database';
import { buildServer } from '../server/http/app';
import { silentLogger } from '../server/log';
import { seedDemo } from '../server/seed/seed';
import { createTestDatabase, type TestDatabase } from '../server/testing/test-db';

export interface RunningTestServer {
  url: string;
  db: TestDatabase;
  owner: Kysely<Database>;
  close(): Promise<void>;
}

/** A real server on a free loopback port, over a fresh database with the demo hospital. */
export async function startSeededServer(patientsPerBranch = 12): Promise<RunningTestServer> {
  const db = await createTestDatabase();
  await seedDemo(db.owner, { patientsPerBranch, labsPerPatient: 4 });
  const consoleDir = await ensureUiBuilt('console');
  const { app } = await buildServer({ db: db.app, policy: DEFAULT_AUTH_POLICY, log: silentLogger }, { consoleDir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    owner: db.owner,
    async close() {
      await app.close();
      await db.close();
    },
  };
}
