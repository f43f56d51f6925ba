import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findNonAdditive } from './additive-check';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MIGRATION_FILE = /^\d{4}-\d{2}-\d{2}T\d{4}-[a-z0-9-]+\.ts$/;

test('every server and station migration is additive: no drop, rename or type change', () => {
  let checked = 0;
  for (const folder of ['server', 'station']) {
    let files: string[] = [];
    try {
      files = readdirSync(path.join(root, folder)).filter((f) => MIGRATION_FILE.test(f));
    } catch {
      continue;
    }
    for (const file of files) {
      checked++;
      const findings = findNonAdditive(readFileSync(path.join(root, folder, file), 'utf8'));
      assert.deepEqual(findings, [], `${folder}/${file}`);
    }
  }
  assert.ok(checked >= 3, 'the check found the migrations');
});

test('the check catches each destructive kind (positive controls)', () => {
  const wrap = (body: string) => `export async function up(db) {\n${body}\n}\nexport async function down() { DROP TABLE x }`;
  const bad = [
    'await sql`DROP TABLE patients`.execute(db);',
    'await sql`ALTER TABLE patients DROP COLUMN bed`.execute(db);',
    'await sql`ALTER TABLE patients RENAME COLUMN bed TO bed_label`.execute(db);',
    'await sql`ALTER TABLE patients RENAME TO people`.execute(db);',
    'await sql`ALTER TABLE patients ALTER COLUMN mrn TYPE int USING mrn::int`.execute(db);',
    'await sql`ALTER TABLE patients ALTER COLUMN mrn SET DATA TYPE bigint`.execute(db);',
    "await db.schema.alterTable('patients').dropColumn('bed').execute();",
    "await db.schema.dropTable('patients').execute();",
    "await db.schema.alterTable('patients').renameTo('people').execute();",
    // Only the exact statements additive-check.ts permits: another index, or the same one dropped with more, is refused.
    'await sql`DROP INDEX IF EXISTS patients_ward`.execute(db);',
    'await sql`DROP INDEX note_drafts_patient`.execute(db);',
    'await sql`DROP INDEX IF EXISTS note_drafts_patient CASCADE`.execute(db);',
  ];
  for (const b of bad) assert.ok(findNonAdditive(wrap(b)).length > 0, b);
  const good = wrap("await sql`ALTER TABLE patients ADD COLUMN pronouns text`.execute(db); // not DROP TABLE");
  assert.deepEqual(findNonAdditive(good), []);
});
