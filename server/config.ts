import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckpointSettings } from './audit/periodic';
import { DEFAULT_AUTH_POLICY, type AuthPolicy } from './auth/policy';
import { dataDir } from './data-dir';

export interface ServerConfig {
  host: string;
  port: number;
  databaseUrl: string;
  databaseOwnerUrl: string | null;
  poolSize: number;
  policy: AuthPolicy;
  trustProxy: boolean;
  consoleDir: string;
  /** UPDATE_FILES_DIR: release files the update feed serves itself. */
  updateFilesDir: string | null;
  /** WARDSTATION_RELEASE_PUBLIC_KEY: path of the release public key (PEM) publishing checks against. */
  releasePublicKeyFile: string | null;
  /** AUDIT_CHECKPOINT_FILE / _KEY / _MINUTES: the signed audit checkpoints the server writes and the console shows. */
  auditCheckpoint?: CheckpointSettings;
}

/**
 * Where audit checkpoints and their key live: the same place for the server and `npm run admin --
 * audit checkpoint`, outside the database (its owner must not be able to rewrite them).
 */
export function auditCheckpointPaths(env: NodeJS.ProcessEnv): { file: string; keyFile: string } {
  return {
    file: env.AUDIT_CHECKPOINT_FILE || path.join(dataDir(env), 'audit-checkpoints.log'),
    keyFile: env.AUDIT_CHECKPOINT_KEY || path.join(dataDir(env), 'audit-checkpoint.key'),
  };
}

function minutesFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of minutes, 0 or more (0: off)`);
  return n;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfig {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set (the app role\'s connection URL)');
  return {
    host: env.HOST ?? '127.0.0.1',
    port: intFromEnv(env, 'PORT', 8787),
    databaseUrl,
    databaseOwnerUrl: env.DATABASE_OWNER_URL || null,
    poolSize: intFromEnv(env, 'DATABASE_POOL_SIZE', 10),
    trustProxy: env.TRUST_PROXY === '1',
    consoleDir: env.CONSOLE_DIR ?? fileURLToPath(new URL('../dist/console/', import.meta.url)),
    updateFilesDir: env.UPDATE_FILES_DIR || null,
    releasePublicKeyFile: env.WARDSTATION_RELEASE_PUBLIC_KEY || null,
    auditCheckpoint: { ...auditCheckpointPaths(env), intervalMs: Math.round(minutesFromEnv(env, 'AUDIT_CHECKPOINT_MINUTES', 15) * 60_000) },
    policy: {
      ...DEFAULT_AUTH_POLICY,
      sessionTtlMs: intFromEnv(env, 'SESSION_TTL_MINUTES', DEFAULT_AUTH_POLICY.sessionTtlMs / 60000) * 60000,
      idleTimeoutMs: intFromEnv(env, 'SESSION_IDLE_MINUTES', DEFAULT_AUTH_POLICY.idleTimeoutMs / 60000) * 60000,
    },
  };
}
