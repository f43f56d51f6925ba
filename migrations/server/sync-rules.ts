import { readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';

/*
 * The sync rules (the change feed's trigger and horizon, push and its conflict rules) are
 * versioned SQL owned by server/sync (server/sync/sql/*.sql), not text frozen in a migration.
 * A migration that changes them calls this, which runs the files as they are in the
 * repository; each file only CREATE OR REPLACEs functions, so running it again is harmless.
 * server/sync/rules.int.test.ts checks that the migrated database runs exactly those files.
 */
export const SYNC_RULE_FILES = ['feed.sql', 'push.sql'] as const;

const SOURCE_DIR = new URL('../../server/sync/sql/', import.meta.url);

export function readSyncRules(file: (typeof SYNC_RULE_FILES)[number]): string {
  return readFileSync(new URL(file, SOURCE_DIR), 'utf8');
}

export async function installSyncRules(db: Kysely<any>): Promise<void> {
  // One simple-protocol message per file: several statements, no parameters.
  for (const file of SYNC_RULE_FILES) await sql.raw(readSyncRules(file)).execute(db);
}
