import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { StructureResult } from '../../../contract/soap';
import type { SystemDb } from '../../db/system-db';
import { withBranch } from '../../db/with-branch';
import type { Logger } from '../../log';
import type { PreparedResult } from '../pipeline';
import { claimJob, completeJob, failJob, releaseJob, WORKER_ACTOR, type ClaimedJob } from './queue';

/*
 * The summarization worker, inside the server process: it walks the branches (each through
 * withBranch), claims due jobs, runs the summarizer outside any transaction and stores the
 * result. Woken by NOTIFY wardstation_summarize (the enqueue trigger) or a short poll.
 */

export interface WorkerOptions {
  db: SystemDb;
  log: Logger;
  /** Raw note -> draft or failure: prepareNote (the server) or structureNote around the configured provider. */
  summarize: (raw: string, signal: AbortSignal) => Promise<StructureResult | PreparedResult>;
  /** For LISTEN; without it the worker only polls. */
  databaseUrl?: string;
  pollMs?: number;
  leaseMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  workerId?: string;
}

export interface SummarizationWorker {
  readonly id: string;
  /** Runs every due job of every branch once (tests, and the loop's body). */
  runOnce(): Promise<number>;
  /**
   * Stops the loop. A job in flight is aborted; with `release` (a graceful drain) it is handed
   * back at once, without it (a crash, in tests) its lease simply runs out.
   */
  stop(options?: { release?: boolean }): Promise<void>;
}

export function startSummarizationWorker(options: WorkerOptions, start = true): SummarizationWorker {
  const id = options.workerId ?? `w-${randomUUID().slice(0, 8)}`;
  const pollMs = options.pollMs ?? 2000;
  const leaseMs = options.leaseMs ?? 120_000;
  const backoff = options.backoff ?? { baseMs: 5000, maxMs: 300_000 };
  // One controller per job (a long-lived signal would collect a listener per provider call).
  const inFlight = new Set<AbortController>();
  let stopping = false;
  let release = true;
  let wake: (() => void) | null = null;
  let listener: pg.Client | null = null;

  async function runJob(branchId: number, job: ClaimedJob): Promise<void> {
    const abort = new AbortController();
    inFlight.add(abort);
    let result;
    try {
      result = await options.summarize(job.text, abort.signal);
    } finally {
      inFlight.delete(abort);
    }
    if (abort.signal.aborted) {
      if (release) await withBranch(options.db, branchId, WORKER_ACTOR, (trx) => releaseJob(trx, job, id));
      return;
    }
    await withBranch(options.db, branchId, WORKER_ACTOR, async (trx) => {
      if (result.ok) {
        if (!(await completeJob(trx, job, id, result.draft))) options.log.warn('summarization lease lost', { job: job.id });
      } else {
        const outcome = await failJob(trx, job, id, result.error, backoff);
        options.log.warn('summarization attempt failed', { kind: result.error.kind, outcome, attempt: job.attempts });
      }
    });
  }

  async function runOnce(): Promise<number> {
    let done = 0;
    const branches = await options.db.selectFrom('branches').select('id').orderBy('id').execute();
    for (const { id: branchId } of branches) {
      while (!stopping) {
        const job = await withBranch(options.db, branchId, WORKER_ACTOR, (trx) => claimJob(trx, id, leaseMs));
        if (!job) break;
        await runJob(branchId, job);
        done++;
      }
    }
    return done;
  }

  async function listen(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {}); // a lost listener falls back to polling
    client.on('notification', () => wake?.());
    await client.connect();
    await client.query('LISTEN wardstation_summarize');
    listener = client;
  }

  const loop = (async () => {
    if (!start) return;
    if (options.databaseUrl) await listen(options.databaseUrl).catch(() => options.log.warn('summarization listener unavailable', {}));
    while (!stopping) {
      try {
        await runOnce();
      } catch (error) {
        if (!stopping) options.log.error('summarization worker pass failed', { error: error instanceof Error ? error.name : 'unknown' });
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  })();

  return {
    id,
    runOnce,
    async stop(stopOptions = {}) {
      stopping = true;
      release = stopOptions.release ?? true;
      for (const a of inFlight) a.abort();
      wake?.();
      await loop.catch(() => {});
      await listener?.end().catch(() => {});
    },
  };
}
