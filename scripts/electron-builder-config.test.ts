import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/** A files pattern of electron-builder (minimatch style: ** any depth, * within a segment) as a regex. */
function patternRegex(pattern: string): RegExp {
  const body = pattern
    .split('/')
    .map((seg) => (seg === '**' ? '(?:.*)' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
    .join('/')
    .replace(/\/\(\?:\.\*\)$/, '(?:/.*)?');
  return new RegExp(`^${body}$`);
}

function listFiles(dir: string, rel = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), r));
    else out.push(r);
  }
  return out;
}

test('the builds produce what electron-builder.yml packages: every files pattern matches a built file, the entry exists', { timeout: 240_000 }, async () => {
  const { buildUi } = await import('./build-ui');
  const { buildElectron } = await import('./build-electron');
  await buildUi('station');
  const entry = await buildElectron();
  // The folders a files pattern can reach: the first path segment of each.
  const built = new Map<string, string[]>();
  for (const pattern of config.files as string[]) {
    assert.equal(typeof pattern, 'string', 'files are plain patterns');
    const top = pattern.split('/')[0]!;
    if (!built.has(top)) built.set(top, statSync(path.join(root, top)).isDirectory() ? listFiles(path.join(root, top), top) : [top]);
    const re = patternRegex(pattern);
    const hits = built.get(top)!.filter((f) => re.test(f));
    assert.ok(hits.length > 0, `files pattern ${pattern} matches nothing the builds wrote`);
  }
  const main = config.extraMetadata.main as string;
  assert.ok(existsSync(path.join(root, main)), `the packaged entry ${main} exists`);
  assert.equal(path.resolve(root, main), entry, 'the entry is what scripts/build-electron.ts writes');
  assert.ok((config.files as string[]).some((p) => patternRegex(p).test(main)), 'the entry is packaged');
  // The shell serves the renderer from dist/station next to out/electron (main/electron/main.ts).
  assert.ok((config.files as string[]).some((p) => patternRegex(p).test('dist/station/index.html')));
  for (const r of config.extraResources as { from: string }[]) assert.ok(existsSync(path.join(root, r.from)), `extraResources from ${r.from} exists`);
});

test('the pattern matcher: ** reaches any depth, * stays in one segment (negative controls)', () => {
  assert.ok(patternRegex('dist/station/**').test('dist/station/assets/index-abc.js'));
  assert.ok(!patternRegex('dist/station/**').test('dist/console/index.html'));
  assert.ok(patternRegex('out/electron/*.cjs').test('out/electron/main.cjs'));
  assert.ok(!patternRegex('out/electron/*.cjs').test('out/electron/x/main.cjs'));
  assert.ok(!patternRegex('dist/main/**').test('out/electron/main.cjs'));
});
