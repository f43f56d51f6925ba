import { readdirSync, readFileSync } from 'node:fs';

/*
 * CPU time of processes, from /proc (Linux): what a shared machine's load does not inflate the
 * way it inflates wall time. Seconds of user + system time; null where /proc is not readable.
 */

const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state is field 3, so fields[0] is the state.
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** A process's own CPU seconds (user + system), or null. */
export function processCpu(pid: number): number | null {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND : null;
}

/** This process's CPU seconds, every thread included (libuv's pool: scrypt, crypto). */
export function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The postmaster of a backend (its parent), found once: backends of a pool come and go. */
export function postmasterOf(backendPid: number): number | null {
  const b = statFields(backendPid);
  return b ? Number(b[1]) : null;
}

/**
 * A PostgreSQL cluster's CPU seconds: the postmaster, every live child (backends, background
 * workers) and the children that have exited (the postmaster's cutime/cstime). Backends that
 * come and go between two readings are all counted.
 */
export function clusterCpu(postmaster: number): number | null {
  const p = statFields(postmaster);
  if (!p) return null;
  let total = (Number(p[11]) + Number(p[12]) + Number(p[13]) + Number(p[14])) / TICKS_PER_SECOND;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[1]) === postmaster) total += (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
  }
  return total;
}

/**
 * CPU seconds of the given backends (one database's connections, on a cluster other work may
 * share), each as read now; a backend that has exited reads as absent. Diff two readings with
 * backendsCpuSince, which counts a backend that appeared in between from zero.
 */
export function backendsCpu(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const c = processCpu(pid);
    if (c !== null) out.set(pid, c);
  }
  return out;
}

export function backendsCpuSince(before: ReadonlyMap<number, number>, now: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, c] of now) total += c - (before.get(pid) ?? 0);
  return total;
}
