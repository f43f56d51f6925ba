import { createHash } from 'node:crypto';
import type { SystemDb } from '../db/system-db';

/** Identifier systems and the paging-cursor secret of the FHIR API. */
export interface FhirConfig {
  /** The branch's local MRN system; `{branch}` is replaced by the branch code. */
  mrnSystemTemplate: string;
  nationalIdSystem: string;
  /** Absolute base of links in bundles; derived from the request when unset. */
  baseUrl: string | null;
  /**
   * Check resources returned by reads and searches against the schema too (what writes return is
   * always checked). Off in production (FHIR_VALIDATE_OUTPUT=1 turns it on), on under tests.
   */
  validateOutput: boolean;
  /** How long an API client's token is trusted without a lookup (a revocation takes effect within it); 0: never. */
  clientCacheMs: number;
}

export const DEFAULT_FHIR_CONFIG: FhirConfig = {
  mrnSystemTemplate: 'urn:wardstation:branch:{branch}:mrn',
  nationalIdSystem: 'urn:wardstation:national-id',
  baseUrl: null,
  validateOutput: true,
  clientCacheMs: 0,
};

export function fhirConfigFromEnv(env: NodeJS.ProcessEnv = process.env): FhirConfig {
  return {
    mrnSystemTemplate: env.FHIR_MRN_SYSTEM ?? DEFAULT_FHIR_CONFIG.mrnSystemTemplate,
    nationalIdSystem: env.FHIR_NATIONAL_ID_SYSTEM ?? DEFAULT_FHIR_CONFIG.nationalIdSystem,
    baseUrl: env.FHIR_BASE_URL ? env.FHIR_BASE_URL.replace(/\/+$/, '') : null,
    validateOutput: env.FHIR_VALIDATE_OUTPUT === '1' || (env.FHIR_VALIDATE_OUTPUT !== '0' && env.NODE_ENV === 'test'),
    clientCacheMs: clientCacheMs(env.FHIR_CLIENT_CACHE_MS),
  };
}

export function mrnSystem(config: FhirConfig, branchCode: string): string {
  return config.mrnSystemTemplate.replaceAll('{branch}', branchCode);
}

/**
 * The secret that signs paging cursors: FHIR_CURSOR_SECRET, else the random one the migration
 * stored in fhir_settings, so every instance of one database agrees without configuration.
 */
export function cursorSecretLoader(db: SystemDb, env: NodeJS.ProcessEnv = process.env): () => Promise<Buffer> {
  let secret: Promise<Buffer> | null = null;
  return () => {
    secret ??= (async () => {
      if (env.FHIR_CURSOR_SECRET) return createHash('sha256').update(env.FHIR_CURSOR_SECRET).digest();
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
