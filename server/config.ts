import { fileURLToPath } from 'node:url';
import { DEFAULT_AUTH_POLICY, type AuthPolicy } from './auth/policy';

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
  poolSize: number;
  policy: AuthPolicy;
  trustProxy: boolean;
  consoleDir: string;
  /** UPDATE_FILES_DIR: release files the update feed serves itself. */
  updateFilesDir: string | null;
  /** WARDSTATION_RELEASE_PUBLIC_KEY: path of the release public key (PEM) publishing checks against. */
  releasePublicKeyFile: string | null;
  /** REQUEST_TIMEOUT_MS, CONNECTION_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS (HttpTimeouts above). */
  timeouts: HttpTimeouts;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number of zero or more (it is "${raw}"): fix it in the server's environment`);
  return n;
}

function timeoutsFromEnv(env: NodeJS.ProcessEnv): HttpTimeouts {
  const t = {
    requestMs: intFromEnv(env, 'REQUEST_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS.requestMs),
    connectionMs: intFromEnv(env, 'CONNECTION_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS.connectionMs),
    keepAliveMs: intFromEnv(env, 'KEEP_ALIVE_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS.keepAliveMs),
  };
  if (t.requestMs < 1000) throw new Error('REQUEST_TIMEOUT_MS must be at least 1000 (1 second): a shorter limit cuts off ordinary requests');
  if (t.connectionMs < 2 * STREAM_HEARTBEAT_MAX_MS) {
    throw new Error(`CONNECTION_TIMEOUT_MS must be at least ${2 * STREAM_HEARTBEAT_MAX_MS} ms: the live streams send a heartbeat every ${STREAM_HEARTBEAT_MAX_MS / 1000} s and would be cut off`);
  }
  if (t.keepAliveMs < 1000) throw new Error('KEEP_ALIVE_TIMEOUT_MS must be at least 1000 (1 second)');
  return t;
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
    timeouts: timeoutsFromEnv(env),
    policy: {
      ...DEFAULT_AUTH_POLICY,
      sessionTtlMs: intFromEnv(env, 'SESSION_TTL_MINUTES', DEFAULT_AUTH_POLICY.sessionTtlMs / 60000) * 60000,
      idleTimeoutMs: intFromEnv(env, 'SESSION_IDLE_MINUTES', DEFAULT_AUTH_POLICY.idleTimeoutMs / 60000) * 60000,
    },
  };
}
