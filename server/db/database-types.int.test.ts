import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import ts from 'typescript';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';

/*
 * database.ts declares the schema by hand; this keeps it honest. Every table the `Database`
 * interface names, and every column its table interface declares, exists after the migrations,
 * and every column of those tables is declared (a column the code cannot name is a column
 * nobody checked).
 */
const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'database.ts');

function declaredSchema(): Map<string, string[]> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  source.forEachChild((n) => {
    if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n);
  });
  const propsOf = (i: ts.InterfaceDeclaration) => i.members.filter(ts.isPropertySignature).map((m) => ({ name: (m.name as ts.Identifier).text, type: m.type!.getText(source) }));
  const schema = new Map<string, string[]>();
  for (const { name: table, type } of propsOf(interfaces.get('Database')!)) {
    const tableInterface = interfaces.get(type);
    assert.ok(tableInterface, `Database.${table} names ${type}, declared in database.ts`);
    schema.set(table, propsOf(tableInterface).map((p) => p.name).sort());
  }
  return schema;
}

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.close());

test('the hand-written Database type matches the migrated schema, table by table and column by column', async () => {
  const declared = declaredSchema();
  assert.ok(declared.size >= 20);
  const rows = await sql<{ table_name: string; column_name: string }>`
    SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`.execute(t.owner);
  const actual = new Map<string, string[]>();
  for (const r of rows.rows) actual.set(r.table_name, [...(actual.get(r.table_name) ?? []), r.column_name]);
  const drift: string[] = [];
  for (const [table, columns] of declared) {
    const real = actual.get(table);
    if (!real) {
      drift.push(`${table}: no such table`);
      continue;
    }
    for (const c of columns) if (!real.includes(c)) drift.push(`${table}.${c}: declared, not in the schema`);
    for (const c of real) if (!columns.includes(c)) drift.push(`${table}.${c}: in the schema, not declared`);
  }
  assert.deepEqual(drift, []);
});
