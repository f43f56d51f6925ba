import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from './embedded-pg';

/*
 * `npm start` when something is wrong: one clear sentence each, no stack trace, a non-zero exit,
 * and nothing done before the problem is found (no migration against another instance's database).
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'wardstation-startup-'));
  dirs.push(d);
  return d;
}

async function start(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DATABASE_'))) as Record<string, string>;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: ROOT, env: { ...base, WARDSTATION_NO_OPEN: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  return { code, out: out.trim() };
}

const noStack = (out: string) => assert.doesNotMatch(out, /^\s+at |Error:|node:internal|triggerUncaughtException/m, out);

test('a busy port: the exact sentence, and nothing started or migrated', async () => {
  const port = await freePort();
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
  try {
    const data = path.join(tempDir(), 'data');
    const r = await start({ PORT: String(port), WARDSTATION_DATA: data });
    assert.notEqual(r.code, 0);
    assert.equal(r.out, `port ${port} is in use: stop the other instance or set PORT`);
    assert.equal(existsSync(data), false, 'no database was created or migrated');
  } finally {
    holder.close();
  }
});

test('a data folder that cannot be used: one sentence saying why and what to do', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'a-file'), 'not a folder');
  const data = path.join(dir, 'a-file', 'data');
  const r = await start({ PORT: String(await freePort()), WARDSTATION_DATA: data });
  assert.notEqual(r.code, 0);
  assert.equal(r.out, `the data folder ${data} cannot be used (part of its path is a file, not a folder): set WARDSTATION_DATA to a folder this user can write, or fix the folder's permissions`);
  noStack(r.out);
});

test('a PostgreSQL that cannot start: its own words are passed on', async () => {
  const data = tempDir();
  // A cluster folder whose settings PostgreSQL refuses (as after a bad hand edit).
  const pgDir = path.join(data, 'pg');
  mkdirSync(pgDir, { recursive: true });
  writeFileSync(path.join(pgDir, 'PG_VERSION'), '18\n');
  writeFileSync(path.join(pgDir, 'postgresql.conf'), 'shared_buffers = lots\n');
  writeFileSync(path.join(data, 'db-secrets.json'), JSON.stringify({ port: await freePort(), superuserPassword: 'x', ownerPassword: 'y', appPassword: 'z' }));
  const r = await start({ PORT: String(await freePort()), WARDSTATION_DATA: data });
  assert.notEqual(r.code, 0);
  assert.match(r.out, /^the embedded PostgreSQL could not start; PostgreSQL said: .+/);
  assert.equal(r.out.split('\n').length, 1, r.out);
  // PostgreSQL's own diagnosis, not "undefined".
  assert.match(r.out, /FATAL|shared_buffers|postgresql\.conf|could not/i);
  noStack(r.out);
  assert.ok(readdirSync(pgDir).length > 0);
});
