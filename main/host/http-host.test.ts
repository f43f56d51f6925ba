import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { STATION_EVENTS_PATH, STATION_PAGE_HEADER, STATION_SECRET_HEADER, type StationEventSource, type StationHandlers } from '../../contract/station-api';
import { startStationHost, stationHostEvents, type StationHost } from './http-host';

/* main/host serving the renderer: pages without the secret, the API only with it, nothing outside the folder. */
/* A stand-in event source: what the host streams is whatever the core's hub emits. */
const subscribers = new Map<string, Set<(payload: unknown) => void>>();
const events: StationEventSource = {
  on(name, listener) {
    if (!subscribers.has(name)) subscribers.set(name, new Set());
    subscribers.get(name)!.add(listener as (payload: unknown) => void);
    return () => subscribers.get(name)!.delete(listener as (payload: unknown) => void);
  },
};
const emit = (name: string, payload: unknown) => subscribers.get(name)?.forEach((l) => l(payload));

let dir: string;
let host: StationHost;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'station-host-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>station</title>');
  writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');
  const handlers = { status: async () => ({ enrolled: false, user: null, locked: false, mode: null, sync: { state: 'offline', pendingItems: 0, pendingBytes: 0, rejectedItems: 0, cursor: '0', lastSyncAt: null } }) } as unknown as StationHandlers;
  host = await startStationHost(handlers, { staticDir: dir, events });
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

test('events stream behind the secret, validated by the contract, and unsubscribe when the client leaves', async () => {
  assert.equal((await fetch(`${host.url}${STATION_EVENTS_PATH}`)).status, 401);
  assert.equal((await fetch(`${host.url}${STATION_EVENTS_PATH}`, { headers: { [STATION_SECRET_HEADER]: 'wrong' } })).status, 401);

  const client = stationHostEvents(host.url, host.secret);
  await client.opened;
  const seen: unknown[] = [];
  client.on('outboxChanged', (p) => seen.push(p));
  client.on('draftsChanged', (p) => seen.push(p));
  emit('outboxChanged', { pending: 'many' }); // outside the contract: never sent
  emit('outboxChanged', { pending: 3, rejected: 1 });
  emit('draftsChanged', { draftIds: ['0190f5d6-8f3a-7c2e-9b1a-2f4e6a8c0d1e'], patientIds: ['p'] });
  for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, [{ pending: 3, rejected: 1 }, { draftIds: ['0190f5d6-8f3a-7c2e-9b1a-2f4e6a8c0d1e'], patientIds: ['p'] }]);

  client.close();
  for (let i = 0; i < 50 && (subscribers.get('outboxChanged')?.size ?? 0) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(subscribers.get('outboxChanged')?.size ?? 0, 0, 'a closed stream leaves no listener behind');
});

test('a new page locks an open session before it is served; the same page does not lock again', async () => {
  let locked = false;
  let locks = 0;
  const status = async () => ({
    enrolled: true,
    user: { id: 1, username: 'dr.north', displayName: 'Dr. Anna Berger', roles: ['physician'] },
    locked,
    mode: 'online',
    sync: { state: 'online', pendingItems: 0, pendingBytes: 0, rejectedItems: 0, cursor: '0', lastSyncAt: null },
  });
  const handlers = {
    status,
    lock: async () => {
      locks++;
      locked = true;
      return status();
    },
  } as unknown as StationHandlers;
  const h = await startStationHost(handlers);
  try {
    const call = async (pageId?: string) => {
      const r = await fetch(`${h.url}/api/status`, { method: 'POST', headers: { [STATION_SECRET_HEADER]: h.secret, ...(pageId ? { [STATION_PAGE_HEADER]: pageId } : {}) }, body: '{}' });
      return ((await r.json()) as { locked: boolean }).locked;
    };
    // A client that names no page (a test, a headless run) changes nothing.
    assert.equal(await call(), false);
    // A page load: its very first answer is already locked.
    assert.equal(await call('page-one-0000000000000000'), true);
    assert.equal(locks, 1);
    locked = false; // the user unlocks on that page
    assert.equal(await call('page-one-0000000000000000'), false, 'the same page keeps working');
    assert.equal(locks, 1);
    // A reload (a new page id) locks again.
    assert.equal(await call('page-two-0000000000000000'), true);
    assert.equal(locks, 2);
  } finally {
    await h.close();
  }
});
