import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CheckpointSettings } from './audit/periodic';
import { DEFAULT_AUTH_POLICY, type AuthPolicy } from './auth/policy';
import { dataDir } from './data-dir';
import { fhirConfigFromEnv, type FhirConfig } from './fhir/config';
import { NotesConfigError, summarizerConfigFromEnv, transcriptionConfigFromEnv, type SummarizerConfig, type TranscriptionConfig } from './notes/config';

/*
 * The server's configuration, the one place in server/ that reads the environment (a lint rule in
 * eslint.config.js forbids process.env elsewhere). Read once at start-up and checked whole: a bad
 * value stops the server with one sentence that names the variable (never its value, which may be
 * a password). The table of variables is in the README ("Configuration").
 */

/**
 * How long a client may hold a connection. `requestMs` bounds receiving one request (headers and
 * body), so a client that never finishes its body (a slow-loris) is cut off with 408; it ends
 * when the request has arrived, so the live streams (/api/sync/live, /updates/events, kept alive
 * by a comment every 15 and 25 s) stay open. `connectionMs`: a socket silent in both directions
 * that long is closed (longer than those heartbeats). `keepAliveMs`: an idle keep-alive
 * connection between two requests.
 */
export interface HttpTimeouts {
  requestMs: number;
  connectionMs: number;
  keepAliveMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { requestMs: 120_000, connectionMs: 120_000, keepAliveMs: 72_000 };
/** The live streams' longest heartbeat (routes/updates.ts; routes/sync.ts sends one every 15 s); a connection timeout must exceed it. */
export const STREAM_HEARTBEAT_MAX_MS = 25_000;

export interface ServerConfig {
  host: string;
  port: number;
  databaseUrl: string;
  databaseOwnerUrl: string | null;
  /** DATABASE_READ_URL: the app role on a streaming replica of the same database, for reads. */
  databaseReadUrl: string | null;
  poolSize: number;
  /** DATABASE_CORES: the database server's CPU cores; a branch's pushes may use half of them at once. */
  databaseCores: number;
  policy: AuthPolicy;
  trustProxy: boolean;
  consoleDir: string;
  /** UPDATE_FILES_DIR: release files the update feed serves itself. */
  updateFilesDir: string | null;
  /** WARDSTATION_RELEASE_PUBLIC_KEY: path of the release public key (PEM) publishing checks against. */
  releasePublicKeyFile: string | null;
  /** DRAIN_DELAY_MS: on SIGTERM, how long /readyz answers 503 before the server stops accepting. */
  drainDelayMs: number;
  /** FHIR_*, PUBLIC_BASE_URL: the FHIR API (server/fhir/config.ts). */
  fhir: FhirConfig;
  /** NOTES_*, OPENAI_*, AZURE_OPENAI_*: summarization and speech-to-text (server/notes/config.ts). */
  notes: { summarizer: SummarizerConfig; transcription: TranscriptionConfig };
  /** AUDIT_CHECKPOINT_FILE / _KEY / _MINUTES: the signed audit checkpoints the server writes and the console shows. */
  auditCheckpoint?: CheckpointSettings;
  /** REQUEST_TIMEOUT_MS, CONNECTION_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS (HttpTimeouts above). */
  timeouts: HttpTimeouts;
  /** FEED_COMPACTION_MINUTES: how often the server removes superseded copies from the change feed (0: never). */
  feedCompactionMs: number;
}

/**
 * Where audit checkpoints and their key live: the same place for the server and `npm run admin --
 * audit checkpoint`, outside the database (its owner must not be able to rewrite them).
 */
export function auditCheckpointPaths(env: Readonly<Record<string, string | undefined>>): { file: string; keyFile: string } {
  return {
    file: env.AUDIT_CHECKPOINT_FILE || path.join(dataDir(env), 'audit-checkpoints.log'),
    keyFile: env.AUDIT_CHECKPOINT_KEY || path.join(dataDir(env), 'audit-checkpoint.key'),
  };
}

/** A setting the server cannot start with; the message is one sentence naming the variable. */
export class ConfigError extends Error {}

const wholeNumber = (name: string, fallback: number, max = 2 ** 31 - 1) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const n = Number(raw);
      if (/^\d+$/.test(raw) && n <= max) return n;
      ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from 0 to ${max}` });
      return z.NEVER;
    });
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v ? v : null));
const postgresUrl = (name: string, why: string) =>
  z.string({ error: `${name} is not set (${why})` }).refine((v) => /^postgres(ql)?:\/\/./.test(v), `${name} must be a postgres:// connection URL`);

/** How often a periodic task runs, in minutes (fractions allowed); 0 turns it off. */
const intervalMinutes = (name: string, fallback: number, max: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const n = Number(raw);
      if (/^\d+(\.\d+)?$/.test(raw) && n <= max) return n;
      ctx.addIssue({ code: 'custom', message: `${name} must be a number of minutes from 0 (off) to ${max}` });
      return z.NEVER;
    });

const ServerEnv = z.object({
  HOST: z.string().min(1, 'HOST must name an interface to listen on').default('127.0.0.1'),
  PORT: wholeNumber('PORT', 8787, 65535),
  DATABASE_URL: postgresUrl('DATABASE_URL', "the app role's connection URL"),
  DATABASE_OWNER_URL: z
    .string()
    .optional()
    .refine((v) => !v || /^postgres(ql)?:\/\/./.test(v), 'DATABASE_OWNER_URL must be a postgres:// connection URL')
    .transform((v) => v || null),
  DATABASE_READ_URL: z
    .string()
    .optional()
    .refine((v) => !v || /^postgres(ql)?:\/\/./.test(v), 'DATABASE_READ_URL must be a postgres:// connection URL')
    .transform((v) => v || null),
  DATABASE_POOL_SIZE: wholeNumber('DATABASE_POOL_SIZE', 10, 1000).refine((n) => n > 0, 'DATABASE_POOL_SIZE must be at least 1'),
  // The embedded PostgreSQL runs on this machine: its cores are this machine's.
  DATABASE_CORES: wholeNumber('DATABASE_CORES', availableParallelism(), 4096).refine((n) => n > 0, "DATABASE_CORES must be at least 1 (the database server's CPU cores)"),
  TRUST_PROXY: z.enum(['', '0', '1'], { error: 'TRUST_PROXY must be 1 (behind a load balancer) or 0' }).optional(),
  CONSOLE_DIR: optionalText,
  UPDATE_FILES_DIR: optionalText,
  WARDSTATION_RELEASE_PUBLIC_KEY: optionalText,
  SESSION_TTL_MINUTES: wholeNumber('SESSION_TTL_MINUTES', DEFAULT_AUTH_POLICY.sessionTtlMs / 60000),
  SESSION_IDLE_MINUTES: wholeNumber('SESSION_IDLE_MINUTES', DEFAULT_AUTH_POLICY.idleTimeoutMs / 60000),
  DRAIN_DELAY_MS: wholeNumber('DRAIN_DELAY_MS', 2000, 600_000),
  AUDIT_CHECKPOINT_MINUTES: intervalMinutes('AUDIT_CHECKPOINT_MINUTES', 15, 10080),
  FEED_COMPACTION_MINUTES: intervalMinutes('FEED_COMPACTION_MINUTES', 5, 1440),
  REQUEST_TIMEOUT_MS: wholeNumber('REQUEST_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS.requestMs).refine(
    (n) => n >= 1000,
    'REQUEST_TIMEOUT_MS must be at least 1000 (1 second): a shorter limit cuts off ordinary requests',
  ),
  CONNECTION_TIMEOUT_MS: wholeNumber('CONNECTION_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS.connectionMs).refine(
    (n) => n >= 2 * STREAM_HEARTBEAT_MAX_MS,
    `CONNECTION_TIMEOUT_MS must be at least ${2 * STREAM_HEARTBEAT_MAX_MS}: the live streams send a heartbeat every ${STREAM_HEARTBEAT_MAX_MS / 1000} s and would be cut off`,
  ),
  KEEP_ALIVE_TIMEOUT_MS: wholeNumber('KEEP_ALIVE_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS.keepAliveMs).refine((n) => n >= 1000, 'KEEP_ALIVE_TIMEOUT_MS must be at least 1000 (1 second)'),
});

/** The first problem of a parse, as the sentence the operator reads. */
function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return issue.message;
}

/** Parses the settings of one part of the server, turning its own errors into ConfigErrors. */
function part<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    // The notes and FHIR parsers throw one sentence each (NotesConfigError, Error); new URL() a TypeError.
    throw new ConfigError(e instanceof NotesConfigError || e instanceof Error ? e.message : String(e));
  }
}

/** The configuration in `env` (the process's environment at start-up, or a test's own). */
export function configFromEnv(env: Record<string, string | undefined>): ServerConfig {
  const parsed = ServerEnv.safeParse(env);
  if (!parsed.success) throw new ConfigError(firstProblem(parsed.error));
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.DATABASE_OWNER_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    poolSize: e.DATABASE_POOL_SIZE,
    databaseCores: e.DATABASE_CORES,
    trustProxy: e.TRUST_PROXY === '1',
    consoleDir: e.CONSOLE_DIR ?? fileURLToPath(new URL('../dist/console/', import.meta.url)),
    updateFilesDir: e.UPDATE_FILES_DIR,
    releasePublicKeyFile: e.WARDSTATION_RELEASE_PUBLIC_KEY,
    drainDelayMs: e.DRAIN_DELAY_MS,
    timeouts: { requestMs: e.REQUEST_TIMEOUT_MS, connectionMs: e.CONNECTION_TIMEOUT_MS, keepAliveMs: e.KEEP_ALIVE_TIMEOUT_MS },
    policy: { ...DEFAULT_AUTH_POLICY, sessionTtlMs: e.SESSION_TTL_MINUTES * 60000, idleTimeoutMs: e.SESSION_IDLE_MINUTES * 60000 },
    fhir: part(() => fhirConfigFromEnv(env)),
    notes: part(() => ({ summarizer: summarizerConfigFromEnv(env), transcription: transcriptionConfigFromEnv(env) })),
    auditCheckpoint: { ...auditCheckpointPaths(env), intervalMs: Math.round(e.AUDIT_CHECKPOINT_MINUTES * 60_000) },
    feedCompactionMs: Math.round(e.FEED_COMPACTION_MINUTES * 60_000),
  };
}

/** `npm run server`: the process's environment, read once. */
export function loadServerConfig(): ServerConfig {
  return configFromEnv(process.env);
}

let processFhir: FhirConfig | null = null;
/**
 * The FHIR settings of this process's environment, for a server built without explicit ones
 * (tests and tools that call buildServer directly): read once, checked like the rest.
 */
export function processFhirConfig(): FhirConfig {
  processFhir ??= part(() => fhirConfigFromEnv(process.env));
  return processFhir;
}
