import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { enrolStation } from '../server/admin/credentials';
import { addRing, moveRollout, publishRelease } from '../server/releases/actions';
import { DEMO_PASSWORD } from '../server/seed/seed';
import { releaseKeyPair, signedRelease } from '../server/testing/release-signing';
import { accessibilityProblems } from './axe';
import { chromiumAvailable, launchChromium } from './browser';
import { startSeededServer, type RunningTestServer } from './server';
import { asSystemDb } from '../server/db/system-db';

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const admin = { kind: 'admin' as const, id: 'e2e' };

// The setup acts as the admin CLI does: over every branch, and group-wide when it says so.
const authority = { branchIds: [] as number[], group: true };
const keys = releaseKeyPair();
const store = mkdtempSync(path.join(tmpdir(), 'ws-e2e-artifacts-'));

async function text(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).textContent()) ?? '';
}

describe('IT console releases in Chromium', { skip: chromiumAvailable() ? false : 'skipped: no system Chromium (apt-get install chromium)' }, () => {
  let server: RunningTestServer;
  let browser: Browser;
  before(async () => {
    server = await startSeededServer(4);
    const pilot = await enrolStation(server.owner, 'north', 'n-med', 'Medicine station 1');
    await enrolStation(server.owner, 'north', 'n-icu', 'ICU station 1');
    await enrolStation(server.owner, 'south', 's-med', 'South station 1');
    await server.owner.updateTable('stations').set({ app_version: '1.4.0' }).execute();
    await server.owner.updateTable('stations').set({ app_version: '1.5.0' }).where('id', '=', pilot.id).execute();
    authority.branchIds = (await server.owner.selectFrom('branches').select('id').execute()).map((b) => b.id);
    for (const version of ['1.4.0', '1.5.0']) {
      const body = await signedRelease(store, keys.privateKey, 'stable', version, [{ platform: 'linux', name: `WardStation-${version}.AppImage`, content: `appimage ${version}` }]);
      await publishRelease(asSystemDb(server.owner), admin, authority, body, { dir: store, publicKey: keys.publicKey });
    }
    await addRing(asSystemDb(server.owner), admin, authority, { channel: 'stable', name: 'pilot', position: 1, kind: 'stations', stationIds: [pilot.id] });
    await addRing(asSystemDb(server.owner), admin, authority, { channel: 'stable', name: 'north-all', position: 2, kind: 'everyone', branch: 'north' });
    await addRing(asSystemDb(server.owner), admin, authority, { channel: 'stable', name: 'everyone', position: 3, kind: 'everyone' });
    // 1.4.0 went everywhere; 1.5.0 starts at north's pilot ring with 1.4.0 as the version to fall back to.
    await moveRollout(asSystemDb(server.owner), admin, authority, { channel: 'stable', version: '1.4.0', ring: 'everyone', scope: 'group' });
    await moveRollout(asSystemDb(server.owner), admin, authority, { channel: 'stable', version: '1.5.0', ring: 'pilot', scope: 'north' });
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(store, { recursive: true, force: true });
  });

  test('an IT administrator watches a rollout, moves it a ring, sees a halt and rolls it back', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      // The refused pause below answers 409 on purpose; Chromium logs every failed request.
      if (m.type() === 'error' && !m.text().includes('409 (Conflict)')) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('Username').fill('it.admin');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByLabel('Branch code').fill('north');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Keyboard: from the Stations tab, the right arrow twice selects Releases (past Users and clients).
    await page.getByRole('tab', { name: 'Stations' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('tab', { name: 'Users and clients' }).getAttribute('aria-selected'), 'true');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('tab', { name: 'Releases' }).getAttribute('aria-selected'), 'true');

    await page.getByTestId('rollout-state').waitFor();
    assert.equal(await text(page, 'rollout-state'), 'rolling out');
    const rings = page.getByTestId('ring-row');
    assert.equal(await rings.count(), 3);
    assert.match((await rings.nth(0).textContent()) ?? '', /pilot.*reached/);
    assert.match((await rings.nth(1).textContent()) ?? '', /north-all.*north2not yet/);
    assert.match(await text(page, 'fleet-versions'), /north1\.4\.0: 1.*1\.5\.0: 1.*south1\.4\.0: 1|north1\.5\.0: 1.*1\.4\.0: 1.*south1\.4\.0: 1/);
    assert.match(await text(page, 'health'), /1\.5\.0 \(new\).*1\.4\.0 \(previous\)/);

    await page.getByRole('button', { name: 'Move to next ring (north-all)' }).click();
    await page.getByRole('button', { name: 'Move to next ring (everyone)' }).waitFor();
    assert.match((await rings.nth(1).textContent()) ?? '', /north-all.*reached/);

    // Another console paused it meanwhile: this page's pause is refused, and the page says why.
    await server.owner.updateTable('rollouts').set({ state: 'paused' }).where('state', '=', 'active').execute();
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /cannot pause a rollout that is paused/i);
    assert.equal(await text(page, 'rollout-state'), 'paused');

    // The health gate halts a rollout on its own (its own tests drive it); the page says so, with the reason.
    await server.owner.updateTable('rollouts').set({ state: 'halted', halt_reason: 'error rate 9.00 per station-hour vs 0.50 for 1.4.0' }).where('state', '=', 'paused').execute();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('halt-reason').waitFor();
    assert.match(await text(page, 'halt-reason'), /Halted automatically: error rate 9\.00/);
    assert.equal(await page.getByRole('button', { name: /Move to next ring/ }).isDisabled(), true);

    // A refused threshold (ratio below 1) is shown as an alert; a valid one is saved.
    await page.getByLabel(/exceeds the old one's/).fill('0.5');
    await page.getByLabel(/exceeds the old one's/).press('Enter');
    assert.equal(await page.getByLabel(/exceeds the old one's/).evaluate((el) => (el as HTMLInputElement).validity.valid), false, 'the browser refuses it first');
    await page.getByLabel(/exceeds the old one's/).fill('3');
    await page.getByRole('button', { name: 'Set threshold' }).click();
    await page.getByText('exceeds 3 × the previous').waitFor();

    await page.getByRole('button', { name: 'Roll back' }).click();
    const confirm = page.getByRole('button', { name: 'Confirm rollback' });
    assert.equal(await confirm.evaluate((el) => el === document.activeElement), true, 'focus moves to the confirmation');
    assert.match((await page.getByRole('group', { name: 'Confirm rollback' }).textContent()) ?? '', /offered 1\.4\.0/);
    await page.screenshot({ path: path.join(shots, 'console-releases.png'), fullPage: true });
    assert.deepEqual(await accessibilityProblems(page, 'console releases'), [], 'serious or critical accessibility findings (axe-core, WCAG 2.1 AA)');
    await confirm.click();
    await page.getByText('rolled back', { exact: true }).waitFor();
    assert.equal(await rings.filter({ hasText: 'reached' }).filter({ hasNotText: 'not yet' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Roll back' }).count(), 0);
    const state = await server.owner.selectFrom('rollouts').innerJoin('releases', 'releases.id', 'rollouts.release_id').select('rollouts.state').where('releases.version', '=', '1.5.0').executeTakeFirstOrThrow();
    assert.equal(state.state, 'rolled_back');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
