import { readFileSync } from 'node:fs';

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

/** CPU seconds of each of the given processes that /proc can read. */
export function processesCpu(pids: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of pids) {
    const c = processCpu(pid);
    if (c !== null) m.set(pid, c);
  }
  return m;
}

/**
 * CPU spent between two readings of processesCpu: a process first seen in the later reading
 * started in between and counts whole; one gone by then is not counted (read before it ends).
 */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, c] of after) total += c - (before.get(pid) ?? 0);
  return total;
}
