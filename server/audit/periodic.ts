import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { SystemDb } from '../db/system-db';
import type { Logger } from '../log';
import { runPeriodically } from '../periodic';
import { checkpointKey, writeCheckpoints } from './checkpoint';

/** Where checkpoints go and how often the server writes them (AUDIT_CHECKPOINT_*). */
export interface CheckpointSettings {
  file: string;
  keyFile: string;
  /** 0: the server writes none (the CLI's `audit checkpoint` still does). */
  intervalMs: number;
}

/**
 * The server's own checkpoints: every interval, each branch's chain is verified and its head
 * signed into the same file `audit checkpoint` appends to, so deleting the newest rows is found
 * without anyone remembering to run cron. One round at a time; a failed round is logged (no
 * patient data in it) and the next one tries again. Several instances each append their own
 * lines: duplicates are harmless, verify keeps the newest per branch.
 */
export function startPeriodicCheckpoints(db: SystemDb, settings: CheckpointSettings, log: Logger): { stop(): Promise<void> } {
  return runPeriodically(settings.intervalMs, async () => {
    try {
      mkdirSync(path.dirname(settings.file), { recursive: true, mode: 0o700 });
      mkdirSync(path.dirname(settings.keyFile), { recursive: true, mode: 0o700 });
      const reports = await writeCheckpoints(db, settings.file, checkpointKey(settings.keyFile));
      const broken = reports.filter((r) => r.firstBroken).map((r) => r.branchCode);
      if (broken.length) log.error('audit chain broken: not checkpointed', { branches: broken.join(',') });
      else log.info('audit checkpoint written', { branches: reports.length });
    } catch (e) {
      log.warn('audit checkpoint failed', { error: e instanceof Error ? e.message : String(e) });
    }
  });
}
