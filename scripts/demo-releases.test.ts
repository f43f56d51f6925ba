import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { releaseSignatureMessage } from '../contract/releases';
import { ensureDemoReleases } from './demo-releases';

test('the demo makes one release key pair (signing key 0600) and an artifact store, and points server and station at them', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'demo-releases-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = ensureDemoReleases(dir, {});
  assert.ok(first.signingKeyFile);
  assert.equal(statSync(first.signingKeyFile).mode & 0o777, 0o600);
  assert.equal(first.publicKeyFile, path.join(dir, 'releases', 'demo-release-public-key.pem'));
  assert.equal(first.filesDir, path.join(dir, 'releases', 'files'));
  assert.ok(statSync(first.filesDir).isDirectory());
  // What the release manager signs, the station's public key verifies (SIGNING format).
  const message = Buffer.from(releaseSignatureMessage('1.2.0', 'WardStation-1.2.0.AppImage', 'A'.repeat(86) + '=='));
  const signature = sign(null, message, createPrivateKey(readFileSync(first.signingKeyFile)));
  assert.ok(verify(null, message, createPublicKey(readFileSync(first.publicKeyFile)), signature));
  // A second start keeps the same keys: releases signed earlier still verify.
  const again = ensureDemoReleases(dir, {});
  assert.equal(readFileSync(again.publicKeyFile, 'utf8'), readFileSync(first.publicKeyFile, 'utf8'));
});

test('a configured release key and artifact store are left alone: no key pair is made', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'demo-releases-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { WARDSTATION_RELEASE_PUBLIC_KEY: '/etc/wardstation/release.pem', UPDATE_FILES_DIR: path.join(dir, 'store') };
  const r = ensureDemoReleases(dir, env);
  assert.equal(r.signingKeyFile, null);
  assert.equal(r.publicKeyFile, '/etc/wardstation/release.pem');
  assert.equal(r.filesDir, path.join(dir, 'store'));
});
