import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verify } from 'node:crypto';
import { releaseSignatureMessage } from '../contract/releases';
import { withBranch } from '../server/db/with-branch';
import { releaseKeyPair } from '../server/testing/release-signing';
import { twoBranches, type TwoBranches } from '../server/testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../server/testing/test-db';

const keys = releaseKeyPair();
let store = '';
let signingKey = '';

function admin(t: TestDatabase, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: t.appUrl, DATABASE_OWNER_URL: t.ownerUrl, UPDATE_FILES_DIR: store },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('admin CLI: releases, rings, rollouts, flags', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let dir: string;
  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 1);
    dir = mkdtempSync(path.join(tmpdir(), 'ws-artifacts-'));
    store = path.join(dir, 'store');
    signingKey = path.join(dir, 'release-key.pem');
    writeFileSync(signingKey, keys.privatePem, { mode: 0o600 });
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  test('publish uploads, hashes and signs the artifact; a ring, a move, a rollback and a flag, each audited', async () => {
    const deb = path.join(dir, 'WardStation-1.2.0-linux-x64.deb');
    writeFileSync(deb, 'not really a deb');
    const unsigned = admin(t, ['release', 'publish', '--channel', 'stable', '--version', '1.2.0', '--file', `linux=${deb}`]);
    assert.equal(unsigned.code, 1);
    assert.match(unsigned.out, /--signing-key/);
    const pub = admin(t, ['release', 'publish', '--channel', 'stable', '--version', '1.2.0', '--file', `linux=${deb}`, '--notes', 'fixes', '--signing-key', signingKey]);
    assert.equal(pub.code, 0, pub.out);
    const row = await t.owner.selectFrom('releases').select('files').where('version', '=', '1.2.0').executeTakeFirstOrThrow();
    const sha512 = createHash('sha512').update('not really a deb').digest('base64');
    const [file] = row.files as { signature: string }[];
    assert.deepEqual(row.files, [{ platform: 'linux', url: 'files/WardStation-1.2.0-linux-x64.deb', sha512, size: 16, signature: file!.signature }]);
    assert.ok(verify(null, Buffer.from(releaseSignatureMessage('1.2.0', 'WardStation-1.2.0-linux-x64.deb', sha512)), keys.publicKey, Buffer.from(file!.signature, 'base64')));
    const unscoped = admin(t, ['rollout', 'move', '--channel', 'stable', '--version', '1.2.0', '--ring', 'north-wards']);
    assert.equal(unscoped.code, 1);
    assert.match(unscoped.out, /--branch <code> for one branch, or --group/);
    for (const args of [
      ['ring', 'add', '--channel', 'stable', '--name', 'north-wards', '--position', '1', '--kind', 'wards', '--branch', 'north', '--wards', 'n-med'],
      ['ring', 'add', '--channel', 'stable', '--name', 'everyone', '--position', '2', '--kind', 'everyone'],
      ['rollout', 'move', '--channel', 'stable', '--version', '1.2.0', '--ring', 'north-wards', '--group'],
      ['rollout', 'rollback', '--channel', 'stable', '--version', '1.2.0', '--group'],
      ['flag', 'set', '--branch', 'south', '--key', 'dictation.enabled', '--enabled', 'true'],
    ]) {
      const r = admin(t, args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.out}`);
    }
    const bad = admin(t, ['ring', 'add', '--channel', 'stable', '--name', 'x', '--position', '3', '--kind', 'wards', '--branch', 'north', '--wards', 'no-such-ward']);
    assert.equal(bad.code, 1);
    const rollout = await t.owner.selectFrom('rollouts').select('state').executeTakeFirstOrThrow();
    assert.equal(rollout.state, 'rolled_back');
    const actions = async (branch: number) =>
      (await withBranch(t.owner, branch, { kind: 'admin', id: 't' }, (trx) => trx.selectFrom('audit_events').select('action').orderBy('seq').execute())).map((r) => r.action);
    assert.deepEqual((await actions(f.north.id)).filter((a) => a.startsWith('release.')), ['release.published', 'release.ring_added', 'release.ring_added', 'release.rollout_moved', 'release.rollout_rollback']);
    assert.ok((await actions(f.south.id)).includes('flag.set'));
    assert.ok(!(await actions(f.north.id)).includes('flag.set'), 'a flag is audited in its own branch only');
  });
});
