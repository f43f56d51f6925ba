import { readdirSync, readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';

// The SQL files are this domain's; migrations/server/sync-rules.ts installs the same files.
const SQL_DIR = new URL('./sql/', import.meta.url);

export interface SyncRule {
  file: string;
  name: string;
  /** The function's body as written between the dollar quotes: what pg_proc.prosrc holds. */
  body: string;
}

const FUNCTION = /CREATE OR REPLACE FUNCTION\s+(\w+)\s*\([^]*?\$\$([^]*?)\$\$/g;

/** The functions the repository's sync rules define (server/sync/sql/*.sql). */
export function syncRules(): SyncRule[] {
  const files = readdirSync(SQL_DIR).filter((f) => f.endsWith('.sql')).sort();
  return files.flatMap((file) => [...readFileSync(new URL(file, SQL_DIR), 'utf8').matchAll(FUNCTION)].map((m) => ({ file, name: m[1]!, body: m[2]! })));
}

/**
 * Names of the sync functions whose installed text differs from the repository's (or that are
 * missing): a database migrated by a release whose rules differ from this code's.
 */
export async function syncRulesDrift(db: Kysely<any>): Promise<string[]> {
  const rules = syncRules();
  const r = await sql<{ name: string; src: string }>`
    SELECT p.proname AS name, p.prosrc AS src FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = current_schema() AND p.proname = ANY(${rules.map((x) => x.name)}::text[])`.execute(db);
  const installed = new Map(r.rows.map((x) => [x.name, x.src]));
  return rules.filter((x) => installed.get(x.name) !== x.body).map((x) => x.name);
}
