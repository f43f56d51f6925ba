import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { buildElectron, electronBinary } from '../scripts/build-electron';
import { ensureUiBuilt } from '../scripts/build-ui';
import { enrolStation } from '../server/admin/credentials';
import { DEMO_PASSWORD } from '../server/seed/seed';
import { startSeededServer, type RunningTestServer } from './server';

/*
 * The packaged shape of the station: the bundled Electron main + preload, the built renderer on
 * our own scheme, the station API over IPC. Runs only where the Electron runtime is installed
 * (the npm package is a devDependency; its binary download is off by default here).
 */
const binary = electronBinary();
const skip = binary ? false : 'skipped: no Electron runtime installed (node_modules/electron/path.txt missing); the browser e2e covers the renderer';

describe('station app in Electron', { skip }, () => {
  let server: RunningTestServer;
  let app: ElectronApplication;
  let dir: string;
  before(async () => {
    server = await startSeededServer(8);
    dir = mkdtempSync(path.join(tmpdir(), 'station-electron-'));
    const { credential } = await enrolStation(server.owner, 'north', 'n-med', 'Electron e2e station');
    const credFile = path.join(dir, 'credential');
    writeFileSync(credFile, credential, { mode: 0o600 });
    const main = await buildElectron();
    await ensureUiBuilt('station');
    app = await electron.launch({
      executablePath: binary!,
      args: [main, '--no-sandbox'],
      env: {
        ...process.env,
        WARDSTATION_STATION_DATA: path.join(dir, 'data'),
        WARDSTATION_SERVER_URL: server.url,
        WARDSTATION_STATION_CREDENTIAL_FILE: credFile,
      },
    });
  });
  after(async () => {
    await app?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a physician signs in through the preload and sees the ward; the page has no Node', async () => {
    const page = await app.firstWindow();
    assert.match(page.url(), /^wardstation:\/\/station\//);
    assert.equal(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined');
    assert.equal(await page.evaluate(() => typeof (window as unknown as { station?: { signIn?: unknown } }).station?.signIn), 'function');
    await page.getByLabel('Username').fill('dr.north');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('ward-row').first().waitFor({ timeout: 20_000 });
    const mrns = await page.getByTestId('ward-row').locator('td:nth-child(4)').allTextContents();
    assert.ok(mrns.every((m) => m.startsWith('N')));
  });
});
