import { createHash } from 'node:crypto';
import type { SystemDb } from '../db/system-db';

/** Identifier systems and the paging-cursor secret of the FHIR API. */
export interface FhirConfig {
  /** The branch's local MRN system; `{branch}` is replaced by the branch code. */
  mrnSystemTemplate: string;
  nationalIdSystem: string;
  /** Absolute base of links in bundles; derived from the request when unset. */
  baseUrl: string | null;
  /** Check every outgoing resource against the schema too (cheap once compiled). */
  validateOutput: boolean;
}

export const DEFAULT_FHIR_CONFIG: FhirConfig = {
  mrnSystemTemplate: 'urn:wardstation:branch:{branch}:mrn',
  nationalIdSystem: 'urn:wardstation:national-id',
  baseUrl: null,
  validateOutput: true,
};

export function fhirConfigFromEnv(env: NodeJS.ProcessEnv = process.env): FhirConfig {
  return {
    mrnSystemTemplate: env.FHIR_MRN_SYSTEM ?? DEFAULT_FHIR_CONFIG.mrnSystemTemplate,
    nationalIdSystem: env.FHIR_NATIONAL_ID_SYSTEM ?? DEFAULT_FHIR_CONFIG.nationalIdSystem,
    baseUrl: env.FHIR_BASE_URL ? env.FHIR_BASE_URL.replace(/\/+$/, '') : null,
    validateOutput: env.FHIR_VALIDATE_OUTPUT !== '0',
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
