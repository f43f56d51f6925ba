import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

/*
 * CPU time spent by each side of a benchmark, read from /proc (Linux): figures per request that
 * do not depend on how busy a shared machine is, unlike rates and latencies. A PostgreSQL
 * cluster's CPU is its postmaster's children (backends, WAL writer, checkpointer), live ones read
 * directly and exited ones through the postmaster's waited-for children's time.
 */

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime (and, with `children`, cutime + cstime) of a process in ms; 0 when it is gone. */
function statOf(pid: number): { ppid: number; ms: number; childrenMs: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    return { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * TICK_MS, childrenMs: (Number(f[13]) + Number(f[14])) * TICK_MS };
  } catch {
    return null;
  }
}

export function processCpuMs(pid: number): number {
  return statOf(pid)?.ms ?? 0;
}

/** The CPU time of a whole PostgreSQL cluster so far (ms): call twice and subtract. */
export function clusterCpuMs(postmasterPid: number): number {
  const pm = statOf(postmasterPid);
  if (!pm) return 0;
  let total = pm.ms + pm.childrenMs;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = statOf(Number(name));
    if (s && s.ppid === postmasterPid) total += s.ms;
  }
  return total;
}

/** The postmaster of the cluster `pool` talks to (the parent of one of its backends), or null off Linux. */
export async function postmasterOf(pool: pg.Pool): Promise<number | null> {
  const r = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const s = statOf(r.rows[0]!.pid);
  return s ? s.ppid : null;
}

/** This process's CPU time (all threads) in ms. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Counts the statements (round trips) the pg clients of this process send, between start() and take(). */
export function countQueries(client: typeof pg.Client): { start(): void; take(): number } {
  let n = 0;
  const proto = client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    n++;
    return original.apply(this, a);
  };
  return {
    start() {
      n = 0;
    },
    take() {
      return n;
    },
  };
}
