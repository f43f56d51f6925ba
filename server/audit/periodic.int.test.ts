import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPublicKey } from 'node:crypto';
import { configFromEnv } from '../config';
import { startServerProcess, type ServerProcess } from '../testing/server-process';
import { twoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { checkpointKey, readCheckpoints } from './checkpoint';

/* Issue 11: a running server checkpoints every branch's audit chain head by itself. */
describe('periodic audit checkpoints', () => {
  let t: TestDatabase;
  let dir: string;
  let server: ServerProcess | null = null;
  before(async () => {
    t = await createTestDatabase();
    await twoBranches(t.owner, 1);
    dir = mkdtempSync(path.join(tmpdir(), 'ws-checkpoints-'));
  });
  after(async () => {
    await server?.stop();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('AUDIT_CHECKPOINT_MINUTES: default 15, 0 turns it off, anything else is refused', () => {
    const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x', AUDIT_CHECKPOINT_FILE: '/cp/log', AUDIT_CHECKPOINT_KEY: '/cp/key' };
    assert.deepEqual(configFromEnv(base).auditCheckpoint, { file: '/cp/log', keyFile: '/cp/key', intervalMs: 15 * 60_000 });
    assert.equal(configFromEnv({ ...base, AUDIT_CHECKPOINT_MINUTES: '0' }).auditCheckpoint?.intervalMs, 0);
    assert.throws(() => configFromEnv({ ...base, AUDIT_CHECKPOINT_MINUTES: 'often' }), /AUDIT_CHECKPOINT_MINUTES/);
    // Without a path: the data folder, where `npm run admin -- audit checkpoint` writes too.
    assert.equal(configFromEnv({ DATABASE_URL: 'postgres://x@127.0.0.1/x', WARDSTATION_DATA: '/data' }).auditCheckpoint?.file, path.resolve('/data/audit-checkpoints.log'));
  });

  test('a running server (npm run server) writes a signed checkpoint of every branch on its interval', async () => {
    const file = path.join(dir, 'sub', 'audit-checkpoints.log');
    const keyFile = path.join(dir, 'sub', 'audit-checkpoint.key');
    server = await startServerProcess({ databaseUrl: t.appUrl, env: { AUDIT_CHECKPOINT_MINUTES: '0.01', AUDIT_CHECKPOINT_FILE: file, AUDIT_CHECKPOINT_KEY: keyFile, DRAIN_DELAY_MS: '0' } });
    const deadline = Date.now() + 20_000;
    while (!(existsSync(file) && readFileSync(file, 'utf8').split('\n').filter(Boolean).length >= 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(existsSync(file), 'no checkpoint file within 20 s');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const found = readCheckpoints(file, createPublicKey(checkpointKey(keyFile)), t.name);
    assert.deepEqual([...found.keys()].sort(), ['north', 'south'], 'every branch, signed with the server key');
    assert.ok(BigInt(found.get('north')!.seq) > 0n);
    assert.equal(await server.stop(), 0);
    server = null;
  });
});
