import type { ServerConfig } from './config';
import type { Database } from './db/database';
import { assertLeastPrivilege } from './db/least-privilege';
import { migrateToLatest } from './db/migrate';
import { createKysely, createPool } from './db/pool';
import { buildServer } from './http/app';
import type { Logger } from './log';

export interface RunningServer {
  url: string;
  /** Turns /readyz unready, waits for the balancer to notice, lets in-flight requests finish, then exits. */
  drain(delayMs?: number): Promise<void>;
}

export async function startServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  if (config.databaseOwnerUrl) {
    const report = await migrateToLatest(config.databaseOwnerUrl, config.databaseUrl);
    log.info('migrated', { applied: report.applied.length });
  }
  const pool = createPool({ connectionString: config.databaseUrl, max: config.poolSize, applicationName: 'wardstation-server' });
  const db = createKysely<Database>(pool);
  await assertLeastPrivilege(db);
  const { app, health } = await buildServer(
    { db, policy: config.policy, log, databaseUrl: config.databaseUrl },
    { trustProxy: config.trustProxy, consoleDir: config.consoleDir },
  );
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  let draining: Promise<void> | null = null;
  return {
    url: `http://${config.host}:${port}`,
    drain(delayMs = 0) {
      draining ??= (async () => {
        health.draining = true;
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        await app.close();
        await db.destroy();
      })();
      return draining;
    },
  };
}
