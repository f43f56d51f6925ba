import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { STATION_CREDENTIAL_HEADER } from '../contract/sync';
import { ReleaseFile } from '../contract/releases';
import { addApiClient, enrolStation } from '../server/admin/credentials';
import { addUser } from '../server/admin/users';
import { checkpointKey, writeCheckpoints } from '../server/audit/checkpoint';
import { withBranch } from '../server/db/with-branch';
import { signatureHolds } from '../server/releases/artifacts';
import { DEMO_PASSWORD } from '../server/seed/seed';
import { releaseKeyPair } from '../server/testing/release-signing';
import { accessibilityProblems } from './axe';
import { chromiumAvailable, launchChromium } from './browser';
import { startSeededServer, type RunningTestServer } from './server';

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

/*
 * Issue 11 in the IT console, through real Chromium: the admin CLI's user, station and API-client
 * commands (sessions end, live streams close), the newest audit checkpoint per branch, and a
 * release published from an uploaded artifact signed in the browser, all under the branch rule.
 */
describe('IT console access commands in Chromium', { skip: chromiumAvailable() ? false : 'skipped: no system Chromium (apt-get install chromium)' }, () => {
  let server: RunningTestServer;
  let browser: Browser;
  let dir: string;
  let station: { id: string; credential: string };
  const keys = releaseKeyPair();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ws-e2e-console-admin-'));
    mkdirSync(path.join(dir, 'store'));
    server = await startSeededServer(4, {
      live: true,
      context: {
        updateFilesDir: path.join(dir, 'store'),
        releasePublicKey: keys.publicKey,
        auditCheckpoint: { file: path.join(dir, 'audit-checkpoints.log'), keyFile: path.join(dir, 'audit-checkpoint.key') },
      },
    });
    station = await enrolStation(server.owner, 'north', 'n-med', 'Medicine station 1');
    await enrolStation(server.owner, 'south', 's-med', 'South station 1');
    await addApiClient(server.owner, 'north', 'Central Lab', ['read:*']);
    await addUser(server.owner, { username: 'it.north', displayName: 'IT North', password: DEMO_PASSWORD, roles: [{ branchCode: 'north', role: 'it_admin' }] });
    await addUser(server.owner, { username: 'float.nurse', displayName: 'Float Nurse', password: DEMO_PASSWORD, roles: [{ branchCode: 'north', role: 'nurse' }, { branchCode: 'south', role: 'nurse' }] });
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(username: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByLabel('Branch code').fill('north');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('branch-name').waitFor();
    return { page, problems };
  }

  /** A clinician signed in at the station, with the sync live stream open. */
  async function liveSession(username: string): Promise<{ token: string; closed: Promise<number> }> {
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [STATION_CREDENTIAL_HEADER]: station.credential },
      body: JSON.stringify({ username, password: DEMO_PASSWORD, branch: 'north' }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    const res = await fetch(`${server.url}/api/sync/live`, { headers: { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: station.credential } });
    const reader = res.body!.getReader();
    await reader.read();
    const closed = (async () => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return Date.now();
    })();
    return { token, closed };
  }
  const within = async (closed: Promise<number>, from: number) => {
    const at = await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), 8000).unref())]);
    assert.ok(at !== null, 'the live stream was still open 8 s after the console command');
    return at - from;
  };

  test('set a password, disable a user, revoke a station and an API client: sessions and live streams end', async () => {
    const { page, problems } = await signIn('it.admin');
    await page.getByRole('tab', { name: 'Users and clients' }).click();
    const drRow = page.getByTestId('user-row').filter({ hasText: 'dr.north' });
    await drRow.waitFor();

    const dr = await liveSession('dr.north');
    await drRow.getByRole('button', { name: 'Set password for dr.north' }).click();
    await page.getByLabel('New password for dr.north').fill('console chosen password');
    await page.getByLabel('The same again').fill('console chosen password');
    const setAt = Date.now();
    await page.getByRole('button', { name: 'Set password', exact: true }).click();
    await page.getByTestId('access-note').filter({ hasText: 'Password of dr.north changed; 1 session(s) ended.' }).waitFor();
    assert.ok((await within(dr.closed, setAt)) < 6000);
    const old = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dr.north', password: DEMO_PASSWORD, branch: 'north' }) });
    assert.equal(old.status, 401, 'the old password no longer signs in');

    const nurse = await liveSession('nurse.north');
    await page.getByRole('button', { name: 'Disable nurse.north' }).click();
    const disableAt = Date.now();
    await page.getByRole('group', { name: /Disable nurse\.north\?/ }).getByRole('button', { name: 'Disable' }).click();
    await page.getByTestId('access-note').filter({ hasText: 'User nurse.north disabled' }).waitFor();
    assert.ok((await within(nurse.closed, disableAt)) < 6000);
    assert.match((await page.getByTestId('user-row').filter({ hasText: 'nurse.north' }).textContent()) ?? '', /disabled/);

    await page.getByRole('button', { name: 'Revoke Central Lab' }).click();
    await page.getByRole('group', { name: /Revoke the API client Central Lab/ }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('access-note').filter({ hasText: 'API client Central Lab revoked.' }).waitFor();
    await page.screenshot({ path: path.join(shots, 'console-access.png'), fullPage: true });
    assert.deepEqual(await accessibilityProblems(page, 'console access'), [], 'serious or critical accessibility findings (axe-core, WCAG 2.1 AA)');

    await page.getByRole('tab', { name: 'Stations' }).click();
    const stationSession = await liveSession('float.nurse');
    await page.getByRole('button', { name: 'Revoke Medicine station 1' }).click();
    const revokeAt = Date.now();
    await page.getByRole('button', { name: 'Revoke station' }).click();
    await page.getByTestId('fleet-note').waitFor();
    assert.ok((await within(stationSession.closed, revokeAt)) < 6000);
    assert.match((await page.getByTestId('station-row').filter({ hasText: 'Medicine station 1' }).textContent()) ?? '', /revoked/);

    const north = await server.owner.selectFrom('branches').select('id').where('code', '=', 'north').executeTakeFirstOrThrow();
    const audited = await withBranch(server.owner, north.id, { kind: 'admin', id: 'e2e' }, (trx) =>
      trx.selectFrom('audit_events').select(['action', 'actor_kind']).where('action', 'in', ['admin.user_password_changed', 'admin.user_disabled', 'admin.client_revoked', 'admin.station_revoked']).execute(),
    );
    assert.deepEqual(audited.map((a) => `${a.action} by ${a.actor_kind}`).sort(), ['admin.client_revoked by user', 'admin.station_revoked by user', 'admin.user_disabled by user', 'admin.user_password_changed by user']);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('an administrator of north only is refused a user who also works in south', async () => {
    const { page } = await signIn('it.north');
    await page.getByRole('tab', { name: 'Users and clients' }).click();
    await page.getByRole('button', { name: 'Disable float.nurse' }).click();
    // The lists are read back after every command; the refusal must outlive that read (it once
    // cleared the alert within milliseconds, before an administrator could read it).
    const reread = page.waitForResponse((r) => r.url().endsWith('/api/admin/clients') && r.request().method() === 'GET');
    await page.getByRole('group', { name: /Disable float\.nurse\?/ }).getByRole('button', { name: 'Disable' }).click();
    await reread;
    await page.waitForTimeout(200);
    await page.getByRole('alert').filter({ hasText: 'reaches a branch you do not administer' }).waitFor({ timeout: 1000 });
    const u = await server.owner.selectFrom('users').select('disabled_at').where('username', '=', 'float.nurse').executeTakeFirstOrThrow();
    assert.equal(u.disabled_at, null);
    await page.close();
  });

  test('a disabled user is enabled again and their failed sign-ins cleared, from the console', async () => {
    // nurse.north was disabled by the first test; at the station they try twice more.
    const signInAsNurse = (password: string) =>
      fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nurse.north', password, branch: 'north' }) });
    for (const password of [DEMO_PASSWORD, 'a guess']) assert.equal((await signInAsNurse(password)).status, 401);
    const { page, problems } = await signIn('it.admin');
    await page.getByRole('tab', { name: 'Users and clients' }).click();
    const row = page.getByTestId('user-row').filter({ hasText: 'nurse.north' });
    await row.filter({ hasText: /disabled · 2 failed sign-in\(s\)/ }).waitFor();
    await row.getByRole('button', { name: 'Enable nurse.north' }).click();
    await page.getByTestId('access-note').filter({ hasText: 'User nurse.north enabled' }).waitFor();
    await row.getByRole('button', { name: 'Clear failed sign-ins of nurse.north' }).click();
    await page.getByTestId('access-note').filter({ hasText: 'Failed sign-ins of nurse.north cleared' }).waitFor();
    await row.getByRole('button', { name: 'Clear failed sign-ins of nurse.north' }).waitFor({ state: 'detached' });
    assert.match((await row.textContent()) ?? '', /active/);
    await page.screenshot({ path: path.join(shots, 'console-user-enabled.png'), fullPage: true });
    assert.equal((await signInAsNurse(DEMO_PASSWORD)).status, 200, 'the nurse signs in again');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the audit tab shows each branch\'s newest checkpoint and whether the chain still matches it', async () => {
    await writeCheckpoints(server.db.app, path.join(dir, 'audit-checkpoints.log'), checkpointKey(path.join(dir, 'audit-checkpoint.key')));
    const { page } = await signIn('it.admin');
    await page.getByRole('tab', { name: 'Audit' }).click();
    const rows = page.getByTestId('checkpoint-row');
    await rows.nth(1).waitFor();
    const text = (await rows.allTextContents()).join('\n');
    assert.match(text, /north.*matches/);
    assert.match(text, /south.*matches/);
    await page.screenshot({ path: path.join(shots, 'console-audit.png'), fullPage: true });
    await page.close();
  });

  test('publishing from the console: the file goes into the store, the browser signs with the release key, the server checks it', async () => {
    const artifact = path.join(dir, 'WardStation-2.0.0-linux-x64.deb');
    writeFileSync(artifact, Buffer.from('a debian package, 2.0.0'));
    const keyFile = path.join(dir, 'release-key.pem');
    writeFileSync(keyFile, keys.privatePem, { mode: 0o600 });
    const { page, problems } = await signIn('it.admin');
    await page.getByRole('tab', { name: 'Publish' }).click();
    await page.getByLabel('Version').fill('2.0.0');
    await page.getByLabel('Artifact file').setInputFiles(artifact);
    await page.getByLabel(/Signing key/).setInputFiles(keyFile);
    await page.getByRole('button', { name: 'Upload and publish' }).click();
    await page.getByTestId('publish-status').filter({ hasText: 'Release 2.0.0 published on stable' }).waitFor();
    const release = await server.owner.selectFrom('releases').select(['files']).where('version', '=', '2.0.0').executeTakeFirstOrThrow();
    const files = ReleaseFile.array().parse(typeof release.files === 'string' ? JSON.parse(release.files) : release.files);
    assert.equal(files[0]!.url, 'files/WardStation-2.0.0-linux-x64.deb');
    assert.ok(signatureHolds(keys.publicKey, '2.0.0', 'WardStation-2.0.0-linux-x64.deb', files[0]!.sha512, files[0]!.signature!), 'the signature made in the browser verifies');

    // The released file cannot be replaced under its name.
    await page.getByLabel('Version').fill('2.0.1');
    await page.getByRole('button', { name: 'Upload and publish' }).click();
    await page.getByRole('alert').filter({ hasText: 'a published artifact is never replaced' }).waitFor();

    // A wrong signature is refused by the server, and nothing is published.
    const second = path.join(dir, 'WardStation-2.0.1-linux-x64.deb');
    writeFileSync(second, Buffer.from('a debian package, 2.0.1'));
    await page.getByLabel('Artifact file').setInputFiles(second);
    await page.getByLabel(/Signing key/).setInputFiles([]);
    await page.getByLabel(/signature \(base64\)/).fill(`${'A'.repeat(86)}==`);
    await page.getByRole('button', { name: 'Upload and publish' }).click();
    await page.getByRole('alert').filter({ hasText: 'does not verify with the release public key' }).waitFor();
    assert.equal(await server.owner.selectFrom('releases').select('id').where('version', '=', '2.0.1').executeTakeFirst(), undefined);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
