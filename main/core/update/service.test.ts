import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { releaseSignatureMessage } from '../../../contract/releases';
import { createHealth } from '../health';
import { openStore } from '../store';
import { createUpdateService, type UpdaterDriver, type UpdateOffer } from './service';

/* The update service with a scripted driver (the real electron-updater runs in e2e/updates). */

const keys = generateKeyPairSync('ed25519');

function setup(script: (n: number) => 'fail' | UpdateOffer | null | Promise<UpdateOffer | null>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ws-update-service-'));
  const store = openStore(path.join(dir, 'station.db'));
  const health = createHealth(store, '1.0.0', { channel: 'stable', incidentGapMs: 0 });
  let checks = 0;
  const artifact = path.join(dir, 'WardStation-1.1.0-linux-x64.deb');
  const driver: UpdaterDriver = {
    async check() {
      const r = await script(checks++);
      if (r === 'fail') throw new Error('server answered 503');
      return r;
    },
    async download() {
      return [artifact];
    },
  };
  const service = createUpdateService({
    factory: () => driver,
    currentVersion: '1.0.0',
    channel: 'stable',
    publicKey: keys.publicKey,
    cacheDir: dir,
    server: () => ({ url: 'http://server.invalid', credential: 'wsk_x' }),
    activity: () => ({ locked: false, idleMs: 0, noteOpen: true, unsavedChanges: false }),
    health,
  });
  return { dir, artifact, service, health, checks: () => checks, close: () => (service.stop(), store.close(), rmSync(dir, { recursive: true, force: true })) };
}

function signedOffer(artifact: string, bytes: Buffer, signer = keys.privateKey): UpdateOffer {
  writeFileSync(artifact, bytes);
  const sha512 = createHash('sha512').update(bytes).digest('base64');
  const url = `files/${path.basename(artifact)}`;
  return { version: '1.1.0', files: [{ url, sha512, signature: sign(null, Buffer.from(releaseSignatureMessage('1.1.0', path.basename(artifact), sha512)), signer).toString('base64') }] };
}

test('a check the server fails is tried again soon, not at the next 30-minute check', async () => {
  let offer: UpdateOffer | null = null;
  const s = setup((n) => (n === 0 ? 'fail' : offer));
  offer = signedOffer(s.artifact, Buffer.from('artifact bytes'));
  await s.service.checkNow();
  assert.equal(s.service.status().state, 'error');
  const end = Date.now() + 8000;
  while (s.service.status().downloadedVersion !== '1.1.0' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.service.status().downloadedVersion, '1.1.0');
  assert.equal(s.service.status().waitingFor, 'lock', 'a note is open: the install waits');
  assert.equal(s.service.status().error, null);
  s.close();
});

test('while the server is asked again, a downloaded release still says what its install waits for', async () => {
  let answer!: (o: UpdateOffer) => void;
  let offer: UpdateOffer | null = null;
  // The first check answers at once; the second hangs at the server until the test answers it.
  const s = setup((n) => (n === 0 ? offer : new Promise<UpdateOffer>((r) => (answer = r))));
  offer = signedOffer(s.artifact, Buffer.from('artifact bytes'));
  await s.service.checkNow();
  assert.equal(s.service.status().waitingFor, 'lock');
  const recheck = s.service.checkNow();
  assert.equal(s.service.status().state, 'checking');
  assert.equal(s.service.status().waitingFor, 'lock', 'a re-check does not hide the waiting install');
  answer(offer);
  await recheck;
  assert.deepEqual([s.service.status().state, s.service.status().waitingFor], ['ready', 'lock']);
  s.close();
});

test('a forged signature is refused, counted as a health error, and not retried; a file swapped after signing is refused too', async () => {
  const forger = generateKeyPairSync('ed25519');
  let offer: UpdateOffer | null = null;
  const s = setup(() => offer);
  offer = signedOffer(s.artifact, Buffer.from('artifact bytes'), forger.privateKey);
  await s.service.checkNow();
  assert.match(s.service.status().error ?? '', /signature that does not verify/);
  assert.equal(s.service.status().downloadedVersion, null);
  assert.equal(s.health.take()?.errors, 1);
  await new Promise((r) => setTimeout(r, 3500));
  assert.equal(s.checks(), 1, 'not retried');
  // Signed correctly, but the bytes on disk are not the signed ones (the feed's sha512 is).
  offer = signedOffer(s.artifact, Buffer.from('artifact bytes'));
  writeFileSync(s.artifact, 'tampered bytes');
  await s.service.checkNow();
  assert.match(s.service.status().error ?? '', /not the signed artifact/);
  assert.equal(s.service.status().downloadedVersion, null);
  s.close();
});
