import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

/* electron-builder.yml against electron-builder's own configuration schema, offline. */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
const config = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as any;

test('electron-builder.yml is valid against app-builder-lib/scheme.json', () => {
  const ok = validate(config);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
});

test('the schema rejects what electron-builder would reject (negative controls)', () => {
  assert.equal(validate({ ...config, nsis: { ...config.nsis, perMachine: 'yes' } }), false);
  assert.equal(validate({ ...config, notAnOption: true }), false);
});

test('per-machine NSIS for Windows, deb and AppImage for Linux, the generic feed, better-sqlite3 rebuilt for Electron', () => {
  assert.ok(config.appId && config.productName);
  assert.deepEqual(config.win.target.map((t: { target: string }) => t.target), ['nsis']);
  assert.equal(config.nsis.perMachine, true);
  assert.equal(config.nsis.oneClick, false);
  assert.deepEqual(config.linux.target.map((t: { target: string }) => t.target).sort(), ['AppImage', 'deb']);
  const [publish] = config.publish;
  assert.equal(publish.provider, 'generic');
  assert.match(publish.url, /\/updates\/[a-z][a-z0-9-]*$/, 'the server route /updates/<channel>/latest*.yml');
  assert.equal(config.npmRebuild, true);
  assert.ok(config.asarUnpack.some((p: string) => p.includes('better-sqlite3')));
});
