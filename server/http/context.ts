import type { KeyObject } from 'node:crypto';
import type { SystemDb } from '../db/system-db';
import type { AuthPolicy } from '../auth/policy';
import type { Logger } from '../log';
import type { TranscriptionConfig } from '../notes/config';

/** What every route needs, built once in buildServer and passed explicitly. */
export interface AppContext {
  /** No patient tables in its type: reach them with withBranch(ctx.db, …). */
  db: SystemDb;
  /**
   * DATABASE_READ_URL: a streaming replica for reads that need not see their own writes (FHIR
   * searches and reads, patient reads, the sync pull), through withBranchRead. Unset: the primary.
   */
  readDb?: SystemDb;
  policy: AuthPolicy;
  log: Logger;
  /** The app role's URL, for LISTEN connections (the sync live channel, release signals across instances). Without it, signals stay in-process. */
  databaseUrl?: string;
  /** Where the update feed serves release files from (/updates/<channel>/files/<name>); unset: artifacts live elsewhere. */
  updateFilesDir?: string;
  /** The release public key (Ed25519) every published artifact's signature must verify with. */
  releasePublicKey?: KeyObject;
  /** How often open live streams re-check their session and station (default 2000 ms). */
  streamCheckMs?: number;
  /** Where the signed audit checkpoints and their key are (the console shows the newest per branch). */
  auditCheckpoint?: { file: string; keyFile: string };
  /** Speech-to-text for dictated notes; unset or 'none': transcription answers 503. */
  transcription?: TranscriptionConfig;
  /**
   * Pushes of one branch that may be read and applied at once (default: half the database's cores,
   * pushesPerBranchFor in db/branch-limiter.ts); the rest wait before their bodies are read.
   * 0: no limit (benchmarks compare).
   */
  pushesPerBranch?: number;
}
