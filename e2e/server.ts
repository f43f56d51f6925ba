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
  port: number;
  db: TestDatabase;
  owner: Kysely<Database>;
  /** Stops the HTTP server only (the database stays): "the server goes away". */
  stop(): Promise<void>;
  /** A new server on the same port and database: "the server comes back". */
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function listen(db: TestDatabase, port: number) {
  const consoleDir = await ensureUiBuilt('console');
  const { app } = await buildServer({ db: db.app, policy: DEFAULT_AUTH_POLICY, log: silentLogger }, { consoleDir });
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : 0 };
}

/** A real server on a free loopback port, over a fresh database with the demo hospital. */
export async function startSeededServer(patientsPerBranch = 12): Promise<RunningTestServer> {
  const db = await createTestDatabase();
  await seedDemo(db.owner, { patientsPerBranch, labsPerPatient: 4 });
  let { app, port } = await listen(db, 0);
  let up = true;
  const stop = async () => {
    if (!up) return;
    up = false;
    const closing = app.close();
    // Live channels (SSE) stay open otherwise: a server that goes away drops them.
    app.server.closeAllConnections();
    await closing;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    db,
    owner: db.owner,
    stop,
    async restart() {
      await stop();
      ({ app, port } = await listen(db, port));
      up = true;
    },
    async close() {
      await stop();
      await db.close();
    },
  };
}
