import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { enrolStation } from '../server/admin/credentials';
import { DEMO_PASSWORD } from '../server/seed/seed';
import { accessibilityProblems } from './axe';
import { chromiumAvailable, launchChromium } from './browser';
import { startSeededServer, type RunningTestServer } from './server';

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

describe('IT console in Chromium', { skip: chromiumAvailable() ? false : 'skipped: no system Chromium (apt-get install chromium)' }, () => {
  let server: RunningTestServer;
  let browser: Browser;
  before(async () => {
    server = await startSeededServer();
    const a = await enrolStation(server.owner, 'north', 'n-med', 'Medicine station 1');
    await enrolStation(server.owner, 'north', 'n-icu', 'ICU station 1');
    await enrolStation(server.owner, 'south', 's-med', 'South station 1');
    await server.owner.updateTable('stations').set({ app_version: '1.4.0', last_seen_at: new Date() }).where('id', '=', a.id).execute();
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('an IT administrator signs in and sees the branch fleet, under a strict CSP', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const res = await page.goto(`${server.url}/console/`);
    assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.getByLabel('Username').fill('it.admin');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByLabel('Branch code').fill('north');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('branch-name').waitFor();
    assert.equal(await page.getByTestId('branch-name').textContent(), 'North Hospital');
    const rows = page.getByTestId('station-row');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2, 'only the branch\'s own stations');
    const text = (await page.locator('table').textContent()) ?? '';
    assert.ok(text.includes('Medicine station 1') && text.includes('1.4.0') && text.includes('online'));
    assert.ok(!text.includes('South station 1'));
    await page.screenshot({ path: path.join(shots, 'console-fleet.png'), fullPage: true });
    assert.deepEqual(await accessibilityProblems(page, 'console fleet'), [], 'serious or critical accessibility findings (axe-core, WCAG 2.1 AA)');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a physician cannot use the console', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('Username').fill('dr.north');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByLabel('Branch code').fill('north');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /not an IT administrator/);
    assert.equal(await page.getByTestId('station-row').count(), 0);
    await page.close();
  });
});
