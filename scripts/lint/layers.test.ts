import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

/*
 * Negative controls for the layering rule, through the project's own eslint.config.js: each
 * forbidden import must be reported by layers/layers, however its path is spelled, and each
 * allowed one (the positive controls) must not, so the rule is neither dead nor blanket.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'layers/layers').map((m) => m.message);
}

const forbidden: [file: string, source: string, why: RegExp][] = [
  // The three the old string patterns let through.
  ['server/db/x.ts', "export { a } from '../sync/push';", /server\/db\/ may import only/],
  ['server/db/x.ts', "import { a } from '../notes/pipeline'; export const b = a;", /server\/db\/ may import only/],
  ['server/fhir/resources/x.ts', "import { a } from '../../http/errors'; export const b = a;", /server\/<domain>\/ may import only/],
  ['server/stations/x.ts', "import { a } from '../http/context'; export const b = a;", /server\/<domain>\/ may import only/],
  // The same target spelled the long way round.
  ['server/sync/x.ts', "import { a } from '../../server/./http/app'; export const b = a;", /server\/<domain>\/ may import only/],
  ['server/sync/x.ts', "export const load = () => import('../run');", /server\/<domain>\/ may import only/],
  // Test scaffolding stays out of production code.
  ['server/sync/x.ts', "import { a } from '../testing/fixtures'; export const b = a;", /test scaffolding/],
  ['server/notes/x.ts', "import { a } from './eval/evaluate'; export const b = a;", /test scaffolding/],
  ['server/http/routes/x.ts', "import { a } from '../../notes/testing/openai-compatible-server'; export const b = a;", /test scaffolding/],
  ['scripts/x.ts', "import { a } from '../server/testing/test-db'; export const b = a;", /test scaffolding/],
  // Top-level folders (DESIGN §2 table).
  ['contract/x.ts', "import { a } from '../server/log'; export const b = a;", /contract\/ may import only contract/],
  ['renderer/station/x.ts', "import { a } from '../../main/core/station'; export const b = a;", /renderer\/ may import only/],
  ['main/core/x.ts', "import { a } from '../../migrations/server/index'; export const b = a;", /main\/core\/ may import only/],
  ['main/host/x.ts', "import { a } from '../electron/main'; export const b = a;", /main\/host\/ may import only/],
  ['server/auth/x.ts', "import { a } from '../../main/core/station'; export const b = a;", /may import only/],
  ['migrations/server/x.ts', "import type { Database } from '../../server/db/database'; export type D = Database;", /migrations\/server\/ may import only/],
  // The full schema type stays in server/db.
  ['server/sync/x.ts', "import type { Database } from '../db/database'; export type D = Database;", /full Database type/],
  ['server/http/routes/x.ts', "import type { OwnerDb } from '../../db/owner-db'; export type D = OwnerDb;", /OwnerDb/],
];

const allowed: [file: string, source: string][] = [
  ['server/http/routes/x.ts', "import { a } from '../../sync/push'; import { b } from '../../db/with-branch'; export const c = [a, b];"],
  ['server/sync/x.ts', "import { a } from '../db/with-branch'; import { b } from '../audit/record'; import { c } from '../log'; export const d = [a, b, c];"],
  ['server/fhir/resources/x.ts', "import type { PatientRow } from '../../db/database'; export type P = PatientRow;"],
  ['server/sync/x.test.ts', "import { a } from '../testing/fixtures'; import { b } from '../http/app'; export const c = [a, b];"],
  ['server/admin/x.ts', "import type { OwnerDb } from '../db/owner-db'; export type D = OwnerDb;"],
  ['main/electron/x.ts', "import { a } from '../core/station'; import { b } from '../../contract/station-api'; export const c = [a, b];"],
  ['e2e/x.ts', "import { a } from '../server/testing/test-db'; import { b } from '../main/core/station'; export const c = [a, b];"],
];

test('forbidden imports are reported on their resolved paths', async () => {
  for (const [file, source, why] of forbidden) {
    const errors = await layerErrors(file, source);
    assert.equal(errors.length, 1, `${file}: ${source} -> ${JSON.stringify(errors)}`);
    assert.match(errors[0]!, why, `${file}: ${source}`);
  }
});

test('allowed imports are not reported', async () => {
  for (const [file, source] of allowed) assert.deepEqual(await layerErrors(file, source), [], `${file}: ${source}`);
});
