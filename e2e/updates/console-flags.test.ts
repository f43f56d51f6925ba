import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/seed/seed';
import { chromiumAvailable, launchChromium } from '../browser';
import { startSeededServer, type RunningTestServer } from '../server';
import { startStation, type RunningStation } from '../station';

/*
 * The IT console and a live browser-mode station (main/host serving the renderer) side by side
 * in Chromium: the Stations tab shows the station's version and last contact from its sync
 * traffic alone, and a feature flag switched in the console changes what the station's open
 * page shows within seconds, without a reload.
 */

async function signIn(page: Page, username: string, branch: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByLabel('Branch code').fill(branch);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('console flags and presence reach a live station', { skip: chromiumAvailable() ? false : 'skipped: no system Chromium (apt-get install chromium)' }, () => {
  let server: RunningTestServer;
  let station: RunningStation;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    server = await startSeededServer(6, { live: true });
    station = await startStation(server.owner, server.url, 'north', 'n-med', { appVersion: '1.4.2' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await station?.close();
    await server?.close();
  });

  test('Stations tab: version and last contact of a live station; a flag turned off in the console hides dictation at once', async () => {
    const ward = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    ward.on('pageerror', (e) => problems.push(e.message));
    await ward.goto(station.pageUrl);
    await signIn(ward, 'dr.north', 'north');
    await ward.getByTestId('ward-row').first().waitFor({ timeout: 15_000 });
    await ward.getByTestId('ward-row').first().getByRole('button').first().click();
    await ward.getByTestId('patient-banner').waitFor();
    await ward.locator('#tab-note').click();
    const dictate = ward.getByRole('button', { name: '● Dictate' });
    await dictate.waitFor();
    // A mark in the page: it must survive, or the page was reloaded.
    await ward.evaluate(() => ((window as unknown as { mark: number }).mark = 42));

    const it = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    it.on('pageerror', (e) => problems.push(e.message));
    await it.goto(`${server.url}/console/`);
    await signIn(it, 'it.admin', 'north');
    const row = it.getByTestId('station-row').filter({ hasText: 'n-med e2e station' });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    assert.match(text, /1\.4\.2/, 'the version the station reports on its sync requests');
    assert.match(text, /online/);
    assert.match(text, /\d+ s ago/, 'last contact a few seconds ago');
    assert.doesNotMatch(text, /never/);

    await it.getByRole('tab', { name: 'Feature flags' }).click();
    const flag = it.getByLabel('dictation.enabled');
    await flag.waitFor();
    assert.equal(await flag.isChecked(), true, 'never set: the feature is on');
    const switched = Date.now();
    // A click, then the box's state as the page renders it (the console saves, then reads back).
    await flag.click();
    await it.waitForFunction(() => !(document.querySelector('[aria-label="dictation.enabled"]') as HTMLInputElement | null)?.checked);
    await dictate.waitFor({ state: 'detached', timeout: 10_000 });
    const tookMs = Date.now() - switched;
    assert.ok(tookMs < 10_000, `hidden ${tookMs} ms after the change`);
    assert.equal(await ward.evaluate(() => (window as unknown as { mark?: number }).mark), 42, 'no reload');
    assert.equal((await station.station.handlers.getFlags({})).flags['dictation.enabled']?.enabled, false, 'cached in the station for offline use');

    await it.waitForFunction(() => !(document.querySelector('[aria-label="dictation.enabled"]') as HTMLInputElement | null)?.disabled);
    await flag.click();
    await dictate.waitFor({ timeout: 10_000 });
    assert.deepEqual(problems, []);
  });
});
