import { sql } from 'kysely';
import type { SystemDb } from '../db/system-db';
import { withBranch, type BranchTransaction } from '../db/with-branch';
import type { Logger } from '../log';

/** Feed rows one compaction call looks at: a transaction of bounded length, however long the feed. */
export const COMPACTION_WINDOW = 10_000;
/** Windows per branch and round: a branch that fell far behind catches up over a few rounds. */
const WINDOWS_PER_ROUND = 20;

export interface CompactionStep {
  /** Feed rows removed (older copies of an entity the feed holds a newer row of). */
  removed: number;
  /** Whether more feed rows below the horizon wait past this window. */
  more: boolean;
}

/** One window of the transaction's branch (sql/feed.sql: change_feed_compact). */
export async function compactFeedWindow(trx: BranchTransaction, window = COMPACTION_WINDOW): Promise<CompactionStep> {
  const r = await sql<{ removed: string; more: boolean }>`SELECT removed, more FROM change_feed_compact(${window}::int)`.execute(trx);
  const row = r.rows[0];
  return { removed: Number(row?.removed ?? 0), more: row?.more ?? false };
}

/** Compacts one branch's feed up to its horizon (at most `maxWindows` windows, each its own transaction); rows removed. */
export async function compactBranchFeed(db: SystemDb, branchId: number, options: { window?: number; maxWindows?: number } = {}): Promise<number> {
  let removed = 0;
  for (let i = 0; i < (options.maxWindows ?? WINDOWS_PER_ROUND); i++) {
    const step = await withBranch(db, branchId, { kind: 'system', id: 'feed-compaction' }, (trx) => compactFeedWindow(trx, options.window));
    removed += step.removed;
    if (!step.more) break;
  }
  return removed;
}

/**
 * Every interval, each branch's feed is compacted, one branch after the other (a round never
 * overlaps the next). Several instances may run it: the database lets one compactor per branch
 * work at a time, the others skip that branch. A failed round is logged (no patient data: counts
 * and error names) and the next one tries again.
 */
export function startFeedCompaction(db: SystemDb, intervalMs: number, log: Logger): { stop(): Promise<void> } {
  if (intervalMs <= 0) return { stop: async () => {} };
  let running: Promise<void> | null = null;
  let stopped = false;
  const round = async () => {
    const branches = await db.selectFrom('branches').select('id').orderBy('id').execute();
    let removed = 0;
    for (const b of branches) {
      if (stopped) return;
      try {
        removed += await compactBranchFeed(db, b.id);
      } catch (e) {
        log.warn('feed compaction failed', { branch: b.id, error: e instanceof Error ? e.name : 'unknown' });
      }
    }
    if (removed > 0) log.info('feed compacted', { branches: branches.length, removed });
  };
  const timer = setInterval(() => {
    running ??= round()
      .catch((e: unknown) => log.warn('feed compaction failed', { error: e instanceof Error ? e.name : 'unknown' }))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
