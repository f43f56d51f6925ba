import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

/*
 * The environment is read only by the configuration module of each process (eslint.config.js,
 * no-restricted-properties): a read anywhere else in production code is reported, however it is
 * spelled, and the configuration modules, tests and benchmarks are left alone.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const eslint = new ESLint({ cwd: root });

async function envErrors(file: string, source: string): Promise<number> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-properties').length;
}

test('process.env outside a configuration module is reported', async () => {
  for (const file of ['server/http/routes/x.ts', 'server/fhir/x.ts', 'main/core/x.ts', 'main/host/x.ts', 'main/electron/x.ts', 'scripts/x.ts', 'renderer/station/x.tsx']) {
    assert.equal(await envErrors(file, 'export const port = process.env.PORT;'), 1, file);
  }
  assert.equal(await envErrors('server/x.ts', "export const port = process['env'].PORT;"), 1);
  assert.equal(await envErrors('server/x.ts', 'const { env } = process; export const port = env.PORT;'), 1);
});

test('the configuration modules, tests and benchmarks may read it', async () => {
  for (const file of ['server/config.ts', 'main/core/config.ts', 'scripts/config.ts', 'server/http/x.test.ts', 'server/testing/x.ts', 'bench/x.ts', 'e2e/x.test.ts']) {
    assert.equal(await envErrors(file, 'export const port = process.env.PORT;'), 0, file);
  }
});
