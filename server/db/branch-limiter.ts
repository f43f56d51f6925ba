/*
 * Fair shares of the database between branches (DESIGN §3: one server, many hospitals). Each
 * branch may run at most `perBranch` units of work at once; the rest of that branch's work waits
 * in that branch's own queue. A burst of pushes in one branch therefore holds at most that share
 * of the pool: another branch's pull, sign-in and /readyz still find a connection at once.
 * A unit of work that waits longer than `queueTimeoutMs` is refused (503, the server is busy)
 * rather than left waiting for ever.
 */

export class BranchBusyError extends Error {
  readonly code = 'BRANCH_BUSY';
  constructor() {
    super('this branch has too much work waiting');
  }
}

export interface BranchLimiter {
  run<T>(branchId: number, work: () => Promise<T>): Promise<T>;
  /** Units of work running now, and waiting, for one branch. */
  load(branchId: number): { running: number; waiting: number };
}

interface Lane {
  running: number;
  waiting: { start(): void; timer: NodeJS.Timeout | null }[];
}

export function createBranchLimiter(options: { perBranch: number; queueTimeoutMs: number }): BranchLimiter {
  const lanes = new Map<number, Lane>();
  const lane = (id: number): Lane => {
    let l = lanes.get(id);
    if (!l) lanes.set(id, (l = { running: 0, waiting: [] }));
    return l;
  };
  const release = (id: number, l: Lane) => {
    const next = l.waiting.shift();
    if (next) return next.start();
    l.running--;
    if (l.running === 0) lanes.delete(id);
  };
  return {
    async run(branchId, work) {
      const l = lane(branchId);
      if (l.running < options.perBranch) l.running++;
      else {
        await new Promise<void>((resolve, reject) => {
          const entry: Lane['waiting'][number] = {
            timer: null,
            start() {
              if (entry.timer) clearTimeout(entry.timer);
              resolve();
            },
          };
          entry.timer = setTimeout(() => {
            l.waiting.splice(l.waiting.indexOf(entry), 1);
            reject(new BranchBusyError());
          }, options.queueTimeoutMs);
          l.waiting.push(entry);
        });
      }
      try {
        return await work();
      } finally {
        release(branchId, l);
      }
    },
    load(branchId) {
      const l = lanes.get(branchId);
      return { running: l?.running ?? 0, waiting: l?.waiting.length ?? 0 };
    },
  };
}

/**
 * How many pushes of one branch may be read and applied at once, from the database's cores. A
 * push is the heaviest unit of work (up to hundreds of rows, its index entries and WAL) and is
 * CPU-bound in PostgreSQL: one branch's pushes may use at most half the database's cores, so
 * another branch's pull, sign-in and /readyz still find a core (bench/fairness.ts). More pushes
 * at once would not push more rows on those cores, only make everyone else wait: on 2 cores one
 * push at a time stores as many mutations a second as five did, and south's pull p95 under the
 * flood fell from about 7× its idle p95 to under 2×.
 */
export function pushesPerBranchFor(databaseCores: number): number {
  return Math.max(1, Math.floor(databaseCores / 2));
}

const limiters = new WeakMap<object, BranchLimiter>();

/** Puts a database handle's units of work (withBranch) under a limiter; the server does this once. */
export function limitBranches(db: object, limiter: BranchLimiter): void {
  limiters.set(db, limiter);
}

export function branchLimiterOf(db: object): BranchLimiter | undefined {
  return limiters.get(db);
}
