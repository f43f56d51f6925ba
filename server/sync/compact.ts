import { sql } from 'kysely';
import type { SystemDb } from '../db/system-db';
import { withBranch, type BranchTransaction } from '../db/with-branch';
import type { Logger } from '../log';
import { runPeriodically } from '../periodic';

/** Feed rows one compaction call looks at: a transaction of bounded length, however long the feed. */
export const COMPACTION_WINDOW = 10_000;
/** Windows per branch and round: a branch that fell far behind catches up over a few rounds. */
const WINDOWS_PER_ROUND = 20;

export interface CompactionStep {
  /** Feed rows removed (earlier states of an entity whose present state the feed holds). */
  removed: number;
  /** Whether more feed rows below the horizon wait past this window. */
  more: boolean;
  /** Another compactor (another server instance) was working on this branch: nothing was done. */
  busy: boolean;
}

/** One window of the transaction's branch (sql/feed.sql: change_feed_compact). */
export async function compactFeedWindow(trx: BranchTransaction, window = COMPACTION_WINDOW): Promise<CompactionStep> {
  const r = await sql<{ removed: string; upto: string | null; more: boolean }>`SELECT removed, upto, more FROM change_feed_compact(${window}::int)`.execute(trx);
  const row = r.rows[0];
  return { removed: Number(row?.removed ?? 0), more: row?.more ?? false, busy: !row || row.upto === null };
}

/** Compacts one branch's feed up to its horizon (at most `maxWindows` windows, each its own transaction). */
export async function compactBranch(db: SystemDb, branchId: number, options: { window?: number; maxWindows?: number } = {}): Promise<{ removed: number; busy: boolean }> {
  let removed = 0;
  for (let i = 0; i < (options.maxWindows ?? WINDOWS_PER_ROUND); i++) {
    const step = await withBranch(db, branchId, { kind: 'system', id: 'feed-compaction' }, (trx) => compactFeedWindow(trx, options.window));
    removed += step.removed;
    if (step.busy) return { removed, busy: true };
    if (!step.more) break;
  }
  return { removed, busy: false };
}

/**
 * Every interval, each branch's feed is compacted, one branch after the other (a round never
 * overlaps the next). Several instances may run it: the database lets one compactor per branch
 * work at a time, the others skip that branch. A failed branch or round is logged (no patient
 * data: counts and error names) and the next round tries again.
 */
export function startFeedCompaction(db: SystemDb, intervalMs: number, log: Logger): { stop(): Promise<void> } {
  const failed = (e: unknown, branch?: number) => log.warn('feed compaction failed', { ...(branch === undefined ? {} : { branch }), error: e instanceof Error ? e.name : 'unknown' });
  return runPeriodically(intervalMs, async (stopping) => {
    try {
      const branches = await db.selectFrom('branches').select('id').orderBy('id').execute();
      let removed = 0;
      for (const b of branches) {
        if (stopping()) return;
        try {
          removed += (await compactBranch(db, b.id)).removed;
        } catch (e) {
          failed(e, b.id);
        }
      }
      if (removed > 0) log.info('feed compacted', { branches: branches.length, removed });
    } catch (e) {
      failed(e);
    }
  });
}
