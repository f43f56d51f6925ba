import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { STATION_SECRET_HEADER, type StationHandlers } from '../../contract/station-api';
import { startStationHost, type StationHost } from './http-host';

/* main/host serving the renderer: pages without the secret, the API only with it, nothing outside the folder. */
let dir: string;
let host: StationHost;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'station-host-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>station</title>');
  writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');
  const handlers = { status: async () => ({ enrolled: false, user: null, locked: false, mode: null, sync: { state: 'offline', pendingItems: 0, pendingBytes: 0, rejectedItems: 0, cursor: '0', lastSyncAt: null } }) } as unknown as StationHandlers;
  host = await startStationHost(handlers, { staticDir: dir });
});
after(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the renderer is served under a strict CSP; unknown paths and escapes get the app page', async () => {
  const index = await fetch(`${host.url}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(await index.text(), /<title>station<\/title>/);
  const js = await fetch(`${host.url}/app.js`);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  for (const p of ['/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/ward/123']) {
    const r = await fetch(`${host.url}${p}`);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /<title>station<\/title>/, p);
  }
});

test('the station API still needs the per-launch secret', async () => {
  const without = await fetch(`${host.url}/api/status`, { method: 'POST', body: '{}' });
  assert.equal(without.status, 401);
  const getApi = await fetch(`${host.url}/api/status`);
  assert.equal(getApi.status, 401);
  const ok = await fetch(`${host.url}/api/status`, { method: 'POST', headers: { [STATION_SECRET_HEADER]: host.secret }, body: '{}' });
  assert.equal(ok.status, 200);
});
