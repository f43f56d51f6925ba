import { readFileSync } from 'node:fs';
import { releasePublicKey } from './releases/artifacts';
import { startPeriodicCheckpoints } from './audit/periodic';
import type { ServerConfig } from './config';
import { assertLeastPrivilege } from './db/least-privilege';
import { createBranchLimiter, limitBranches, pushesPerBranchFor } from './db/branch-limiter';
import { migrateToLatest } from './db/migrate';
import { createPool, PREPARED_PER_CONNECTION } from './db/pool';
import { createSystemDb } from './db/system-db';
import { buildServer } from './http/app';
import { VALIDATED_TYPES, warmValidators } from './fhir/validate';
import type { Logger } from './log';
import { assertPortFree } from './startup';
import type { SummarizerConfig, TranscriptionConfig } from './notes/config';
import { startSummarizationWorker } from './notes/jobs/worker';
import { startFeedCompaction } from './sync/compact';
import { startNoteCpuWorker } from './notes/off-thread';
import { prepareNote } from './notes/pipeline';
import { createSummarizer } from './notes/providers';

export interface RunningServer {
  url: string;
  /** Turns /readyz unready, waits for the balancer to notice, lets in-flight requests finish, then exits. */
  drain(delayMs?: number): Promise<void>;
}

export interface NotesSettings {
  summarizer: SummarizerConfig;
  transcription: TranscriptionConfig;
}

/** `notes` overrides the configuration's NOTES_* settings (tests give their own providers). */
export async function startServer(config: ServerConfig, log: Logger, notes?: NotesSettings): Promise<RunningServer> {
  const notesSettings = notes ?? config.notes;
  // Before migrating: a second instance on a busy port must not touch the live database.
  await assertPortFree(config.host, config.port);
  if (config.databaseOwnerUrl) {
    const report = await migrateToLatest(config.databaseOwnerUrl, config.databaseUrl);
    log.info('migrated', { applied: report.applied.length });
  }
  const pool = createPool({ connectionString: config.databaseUrl, max: config.poolSize, applicationName: 'wardstation-server', preparedStatements: PREPARED_PER_CONNECTION });
  const db = createSystemDb(pool);
  // No branch may hold more than half the pool: a burst in one hospital queues in that hospital.
  limitBranches(db, createBranchLimiter({ perBranch: Math.max(1, Math.floor(config.poolSize / 2)), queueTimeoutMs: 10_000 }));
  await assertLeastPrivilege(db);
  // Reads that need not see their own writes go to the streaming replica, when one is named.
  const readDb = config.databaseReadUrl
    ? createSystemDb(createPool({ connectionString: config.databaseReadUrl, max: config.poolSize, applicationName: 'wardstation-server-read', preparedStatements: PREPARED_PER_CONNECTION }))
    : undefined;
  if (readDb) {
    limitBranches(readDb, createBranchLimiter({ perBranch: Math.max(1, Math.floor(config.poolSize / 2)), queueTimeoutMs: 10_000 }));
    await assertLeastPrivilege(readDb);
  }
  const { app, health } = await buildServer(
    { db, ...(readDb ? { readDb } : {}), policy: config.policy, log, databaseUrl: config.databaseUrl, pushesPerBranch: pushesPerBranchFor(config.databaseCores), transcription: notesSettings.transcription, ...(config.updateFilesDir ? { updateFilesDir: config.updateFilesDir } : {}),
      ...(config.releasePublicKeyFile ? { releasePublicKey: releasePublicKey(readFileSync(config.releasePublicKeyFile)) } : {}),
      ...(config.auditCheckpoint ? { auditCheckpoint: { file: config.auditCheckpoint.file, keyFile: config.auditCheckpoint.keyFile } } : {}),
    },
    { trustProxy: config.trustProxy, consoleDir: config.consoleDir, fhir: config.fhir, timeouts: config.timeouts },
  );
  // Compiling the FHIR schema's validators takes seconds of CPU (3.7 s on a shared 2-core
  // machine): done at the first FHIR write, it stalled every request of the process (station
  // syncs, sign-ins, reads) meanwhile. Done before the summarization worker takes jobs and before
  // listening, so that a blue-green switch sends traffic only to a process that has them.
  const compileStart = performance.now();
  warmValidators(VALIDATED_TYPES);
  log.info('fhir validators compiled', { ms: Math.round(performance.now() - compileStart) });
  // Summarizing is CPU work (structuring, checking quotes): off the event loop, in a worker thread.
  const cpu = startNoteCpuWorker();
  const summarizer = createSummarizer(notesSettings.summarizer, cpu);
  // The summarization queue's worker runs in every instance; jobs are leased, so instances share them.
  const worker = startSummarizationWorker({ db, log, databaseUrl: config.databaseUrl, summarize: (raw, signal) => prepareNote(raw, summarizer, signal, cpu) });
  await app.listen({ host: config.host, port: config.port });
  // Signed audit checkpoints on an interval (AUDIT_CHECKPOINT_MINUTES), where the CLI writes them.
  const checkpoints = config.auditCheckpoint ? startPeriodicCheckpoints(db, config.auditCheckpoint, log) : null;
  // Superseded copies leave the change feed (FEED_COMPACTION_MINUTES): a bootstrap reads the ward as it is, not its history.
  const compaction = startFeedCompaction(db, config.feedCompactionMs, log);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  let draining: Promise<void> | null = null;
  return {
    url: `http://${config.host}:${port}`,
    drain(delayMs = 0) {
      draining ??= (async () => {
        health.draining = true;
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        await app.close();
        await checkpoints?.stop();
        await compaction.stop();
        // A job in flight is handed back, not lost: another instance takes it at once.
        await worker.stop({ release: true });
        await cpu.close();
        await db.destroy();
        await readDb?.destroy();
      })();
      return draining;
    },
  };
}
