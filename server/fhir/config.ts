import { createHash } from 'node:crypto';
import type { SystemDb } from '../db/system-db';

/** Identifier systems and the paging-cursor secret of the FHIR API. */
export interface FhirConfig {
  /** The branch's local MRN system; `{branch}` is replaced by the branch code. */
  mrnSystemTemplate: string;
  nationalIdSystem: string;
  /**
   * Absolute base of links in bundles and Location headers (PUBLIC_BASE_URL + '/fhir', or
   * FHIR_BASE_URL). When set, a request naming another Host is refused; when unset, links are
   * derived from the request's Host (development only).
   */
  baseUrl: string | null;
  /**
   * Check resources returned by reads and searches against the schema too (what writes return is
   * always checked). Off in production (FHIR_VALIDATE_OUTPUT=1 turns it on), on under tests.
   */
  validateOutput: boolean;
  /** Entries per batch/transaction Bundle (stated in the CapabilityStatement). */
  maxBundleEntries: number;
  /** Request body size of the FHIR API, in bytes (stated in the CapabilityStatement). */
  maxBodyBytes: number;
  /** Browser origins allowed to call the API (CORS); none by default. */
  corsOrigins: readonly string[];
  /** How long an API client's token is trusted without a lookup (a revocation takes effect within it); 0: never. */
  clientCacheMs: number;
  /** FHIR_CURSOR_SECRET: signs paging cursors; null: the random one stored in the database. */
  cursorSecret: string | null;
}

export const DEFAULT_FHIR_CONFIG: FhirConfig = {
  mrnSystemTemplate: 'urn:wardstation:branch:{branch}:mrn',
  nationalIdSystem: 'urn:wardstation:national-id',
  baseUrl: null,
  validateOutput: true,
  maxBundleEntries: 1000,
  maxBodyBytes: 10 * 1024 * 1024,
  corsOrigins: [],
  clientCacheMs: 0,
  cursorSecret: null,
};

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) === 0) throw new Error(`${name} must be a positive whole number`);
  return Number(value);
}

type Env = Record<string, string | undefined>;

function baseUrlFromEnv(env: Env): string | null {
  const raw = env.FHIR_BASE_URL || (env.PUBLIC_BASE_URL ? `${env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/fhir` : '');
  if (!raw) return null;
  const u = URL.canParse(raw) ? new URL(raw) : null;
  if (u?.protocol !== 'https:' && u?.protocol !== 'http:') throw new Error(`${env.FHIR_BASE_URL ? 'FHIR_BASE_URL' : 'PUBLIC_BASE_URL'} must be an http(s) URL`);
  return raw.replace(/\/+$/, '');
}

/** The FHIR API's settings in an environment; server/config.ts calls it with the process's. */
export function fhirConfigFromEnv(env: Env): FhirConfig {
  return {
    mrnSystemTemplate: env.FHIR_MRN_SYSTEM ?? DEFAULT_FHIR_CONFIG.mrnSystemTemplate,
    nationalIdSystem: env.FHIR_NATIONAL_ID_SYSTEM ?? DEFAULT_FHIR_CONFIG.nationalIdSystem,
    baseUrl: baseUrlFromEnv(env),
    validateOutput: env.FHIR_VALIDATE_OUTPUT === '1' || (env.FHIR_VALIDATE_OUTPUT !== '0' && env.NODE_ENV === 'test'),
    maxBundleEntries: positiveInt(env.FHIR_MAX_BUNDLE_ENTRIES, DEFAULT_FHIR_CONFIG.maxBundleEntries, 'FHIR_MAX_BUNDLE_ENTRIES'),
    maxBodyBytes: positiveInt(env.FHIR_MAX_BODY_BYTES, DEFAULT_FHIR_CONFIG.maxBodyBytes, 'FHIR_MAX_BODY_BYTES'),
    corsOrigins: (env.FHIR_CORS_ORIGINS ?? '').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean),
    clientCacheMs: clientCacheMs(env.FHIR_CLIENT_CACHE_MS),
    cursorSecret: env.FHIR_CURSOR_SECRET || null,
  };
}

export function mrnSystem(config: FhirConfig, branchCode: string): string {
  return config.mrnSystemTemplate.replaceAll('{branch}', branchCode);
}

/**
 * The secret that signs paging cursors: FHIR_CURSOR_SECRET, else the random one the migration
 * stored in fhir_settings, so every instance of one database agrees without configuration.
 */
export function cursorSecretLoader(db: SystemDb, configured: string | null): () => Promise<Buffer> {
  let secret: Promise<Buffer> | null = null;
  return () => {
    secret ??= (async () => {
      if (configured) return createHash('sha256').update(configured).digest();
      const row = await db.selectFrom('fhir_settings').select('value').where('key', '=', 'cursor_secret').executeTakeFirstOrThrow();
      return Buffer.from(row.value, 'hex');
    })().catch((e: unknown) => {
      secret = null;
      throw e;
    });
    return secret;
  };
}

function clientCacheMs(v: string | undefined): number {
  if (v === undefined || v === '') return 5000;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 60_000) throw new Error('FHIR_CLIENT_CACHE_MS must be a whole number of milliseconds from 0 to 60000');
  return n;
}
