import type { Kysely } from 'kysely';
import { ensureUiBuilt } from '../scripts/build-ui';
import { DEFAULT_AUTH_POLICY } from '../server/auth/policy';
import type { Database } from '../server/db/database';
import { buildServer } from '../server/http/app';
import type { AppContext } from '../server/http/context';
import { silentLogger } from '../server/log';
import type { SummarizerConfig, TranscriptionConfig } from '../server/notes/config';
import { startSummarizationWorker } from '../server/notes/jobs/worker';
import { startNoteCpuWorker } from '../server/notes/off-thread';
import { prepareNote } from '../server/notes/pipeline';
import { createSummarizer } from '../server/notes/providers';
import { seedDemo } from '../server/seed/seed';
import { createTestDatabase, type TestDatabase } from '../server/testing/test-db';

export interface RunningTestServer {
  url: string;
  port: number;
  db: TestDatabase;
  owner: Kysely<Database>;
  /** Stops the HTTP server only (the database stays): "the server goes away". */
  stop(): Promise<void>;
  /** A new server on the same port and database: "the server comes back". */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Run the summarization worker with this provider, as server/run.ts does (none: no worker). */
  summarizer?: SummarizerConfig;
  /** Speech-to-text for dictations (a loopback OpenAI-protocol server in tests). */
  transcription?: TranscriptionConfig;
  /** LISTEN/NOTIFY on: the sync live channel and release/flag signals reach stations at once. */
  live?: boolean;
  /** The artifact store, release public key and audit checkpoints, as server/run.ts passes them. */
  context?: Pick<AppContext, 'updateFilesDir' | 'releasePublicKey' | 'auditCheckpoint'>;
}

async function listen(db: TestDatabase, port: number, options: TestServerOptions) {
  const consoleDir = await ensureUiBuilt('console');
  const { app } = await buildServer(
    {
      db: db.app,
      policy: DEFAULT_AUTH_POLICY,
      log: silentLogger,
      ...(options.transcription ? { transcription: options.transcription } : {}),
      ...(options.live ? { databaseUrl: db.appUrl } : {}),
      ...options.context,
    },
    { consoleDir },
  );
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : 0 };
}

/** A real server on a free loopback port, over a fresh database with the demo hospital. */
export async function startSeededServer(patientsPerBranch = 12, options: TestServerOptions = {}): Promise<RunningTestServer> {
  const db = await createTestDatabase();
  await seedDemo(db.owner, { patientsPerBranch, labsPerPatient: 4 });
  let { app, port } = await listen(db, 0, options);
  // As server/run.ts does: structuring, the quote check and the stored form in the worker thread.
  const cpu = options.summarizer ? startNoteCpuWorker() : null;
  const summarizer = options.summarizer && cpu ? createSummarizer(options.summarizer, cpu) : null;
  const worker =
    summarizer && cpu
      ? startSummarizationWorker({ db: db.app, log: silentLogger, databaseUrl: db.appUrl, pollMs: 500, summarize: (raw, signal) => prepareNote(raw, summarizer, signal, cpu) })
      : null;
  let up = true;
  const stop = async () => {
    if (!up) return;
    up = false;
    const closing = app.close();
    // Live channels (SSE) stay open otherwise: a server that goes away drops them.
    app.server.closeAllConnections();
    await closing;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    db,
    owner: db.owner,
    stop,
    async restart() {
      await stop();
      ({ app, port } = await listen(db, port, options));
      up = true;
    },
    async close() {
      await stop();
      await worker?.stop();
      await cpu?.close();
      await db.close();
    },
  };
}
