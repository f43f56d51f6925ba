import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createStation } from '../core/station';
import { startStationHost } from './http-host';

/** Raw HTTP so the Host header can be whatever an attacker's page would send. */
function post(url: string, pathName: string, headers: Record<string, string>, body = '{}'): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: pathName, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the station host serves only its own Host and Origin, and enrols only once, signed out', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'station-host-guard-'));
  const station = createStation({ dataDir: dir, autoSync: false });
  const host = await startStationHost(station.handlers);
  const own = { 'x-station-secret': host.secret };
  try {
    const port = new URL(host.url).port;
    assert.equal(await post(host.url, '/api/status', own), 200);
    assert.equal(await post(host.url, '/api/status', { ...own, host: `evil.example:${port}` }), 401, 'DNS rebinding: a foreign Host');
    assert.equal(await post(host.url, '/api/status', { ...own, origin: 'http://evil.example' }), 401, 'a foreign page');
    assert.equal(await post(host.url, '/api/status', { ...own, origin: `http://localhost:${port}` }), 200);
    const enrol = JSON.stringify({ serverUrl: 'http://127.0.0.1:9', credential: `wsk_${'a'.repeat(43)}` });
    assert.equal(await post(host.url, '/api/enrol', own, enrol), 200, 'first run');
    assert.equal(await post(host.url, '/api/enrol', own, enrol), 400, 'not over an existing enrolment');
  } finally {
    await host.close();
    await station.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
