import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { LoginResponse } from '../../contract/auth';
import { ServerError, type ServerClient } from './server-client';
import { createSessions } from './session';
import { openStore } from './store';

/*
 * Issue 11, item 4, the station's side: while the server throttles a name (429), a user who
 * signed in here recently still gets in with the local verifier, offline, and the station says
 * why; a user never seen here gets the server's refusal.
 */
test('a throttled server: the recent user signs in offline, and is told why', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'station-throttle-'));
  const store = openStore(path.join(dir, 'station.db'));
  let throttled = false;
  const response: LoginResponse = {
    token: 'wss_token',
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    user: { id: 7, username: 'dr.north', displayName: 'Dr North', roles: ['physician'] },
    branch: { id: 1, code: 'north', name: 'North' },
  };
  const server = {
    login: async () => {
      if (throttled) throw new ServerError(429, 'rate_limited', 'too many sign-in attempts; try again later');
      return response;
    },
    logout: async () => {},
  } as unknown as ServerClient;
  try {
    const sessions = createSessions(store, () => server);
    assert.equal((await sessions.signIn('dr.north', 'the right password', 'north')).mode, 'online');
    await sessions.signOut();
    throttled = true;
    const offline = await sessions.signIn('dr.north', 'the right password', 'north');
    assert.equal(offline.mode, 'offline');
    assert.equal(offline.offlineReason, 'server_throttled');
    await sessions.signOut();
    await assert.rejects(sessions.signIn('dr.north', 'a wrong password', 'north'), /invalid username, password or branch/);
    await assert.rejects(sessions.signIn('nurse.never.here', 'whatever', 'north'), /too many sign-in attempts/);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('five wrong passwords at a locked screen end the session', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'station-unlock-'));
  const store = openStore(path.join(dir, 'station.db'));
  const server = {
    login: async () => ({
      token: 'wss_token',
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      user: { id: 7, username: 'dr.north', displayName: 'Dr North', roles: ['physician'] },
      branch: { id: 1, code: 'north', name: 'North' },
    }),
    logout: async () => {},
  } as unknown as ServerClient;
  try {
    const sessions = createSessions(store, () => server);
    await sessions.signIn('dr.north', 'the right password', 'north');
    sessions.lock();
    await assert.rejects(sessions.unlock('wrong 1'), /wrong password/);
    await sessions.unlock('the right password');
    sessions.lock();
    for (let i = 1; i < 5; i++) await assert.rejects(sessions.unlock(`wrong ${i}`), /wrong password/);
    await assert.rejects(sessions.unlock('wrong 5'), /session ended/);
    await assert.rejects(sessions.unlock('the right password'), /sign in first/);
    assert.equal(sessions.current(), null);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
