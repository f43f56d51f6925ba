import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { LoginResponse } from '../../contract/auth';
import { NetworkError, type ServerClient } from './server-client';
import { createSessions } from './session';
import { openStore, type Store } from './store';

/*
 * The offline verifier is derived after an online sign-in returns (once the ward is usable:
 * Sessions.settle), not while the user waits. Until it is stored, offline sign-in is refused
 * exactly as at a station that never saw the user sign in online; within the same launch,
 * offline sign-in, unlock and sign-out wait for it instead.
 */

const response = (token: string): LoginResponse => ({
  token,
  expiresAt: new Date(Date.now() + 3600_000).toISOString(),
  user: { id: 7, username: 'dr.north', displayName: 'Dr North', roles: ['physician'] },
  branch: { id: 1, code: 'north', name: 'North' },
});

function fixture() {
  const dir = mkdtempSync(path.join(tmpdir(), 'station-verifier-'));
  const store = openStore(path.join(dir, 'station.db'));
  const server = { down: false, token: 'wss_first' };
  const client = {
    login: async () => {
      if (server.down) throw new NetworkError('unreachable');
      return response(server.token);
    },
    logout: async () => {},
  } as unknown as ServerClient;
  return { store, server, sessions: () => createSessions(store, () => client), close: () => (store.close(), rmSync(dir, { recursive: true, force: true })) };
}

const verifierOf = (store: Store) => store.prepare('SELECT verifier, token_box FROM local_users WHERE user_id = 7').get() as { verifier: string; token_box: string | null };

test('before its verifier is stored, an online sign-in leaves nothing that signs in offline', async () => {
  const f = fixture();
  try {
    const launch1 = f.sessions();
    assert.equal((await launch1.signIn('dr.north', 'the right password', 'north')).mode, 'online');
    // Not derived yet: the row names the user (profile, offline window) but holds no verifier or token.
    assert.match(verifierOf(f.store).verifier, /^pending\$/);
    assert.equal(verifierOf(f.store).token_box, null);
    // The station stops here (nothing settled): the next launch refuses the user offline,
    // with the same answer as for a user never seen here.
    f.server.down = true;
    const launch2 = f.sessions();
    await assert.rejects(launch2.signIn('dr.north', 'the right password', 'north'), /invalid username, password or branch/);
    await assert.rejects(launch2.signIn('nurse.never.here', 'the right password', 'north'), /invalid username, password or branch/);
  } finally {
    f.close();
  }
});

test('settled, the verifier signs in offline in a later launch, and opens the sealed session token', async () => {
  const f = fixture();
  try {
    const launch1 = f.sessions();
    await launch1.signIn('dr.north', 'the right password', 'north');
    await launch1.settle();
    assert.match(verifierOf(f.store).verifier, /^scrypt\$/);
    assert.ok(verifierOf(f.store).token_box);
    f.server.down = true;
    const launch2 = f.sessions();
    const off = await launch2.signIn('dr.north', 'the right password', 'north');
    assert.equal(off.mode, 'offline');
    assert.equal(launch2.tokenFor(7), 'wss_first');
    await assert.rejects(launch2.signIn('dr.north', 'a wrong password', 'north'), /invalid username, password or branch/);
  } finally {
    f.close();
  }
});

test('in the same launch, offline sign-in, unlock and sign-out wait for the owed verifier', async () => {
  const f = fixture();
  try {
    const s = f.sessions();
    await s.signIn('dr.north', 'the right password', 'north');
    s.lock();
    await assert.rejects(s.unlock('a wrong password'), /wrong password/);
    await s.signIn('dr.north', 'the right password', 'north');
    s.lock();
    assert.equal((await s.unlock('the right password')).user.id, 7);
    await s.signIn('dr.north', 'the right password', 'north');
    f.server.down = true;
    // The server went down right after the online sign-in: offline sign-in derives the owed verifier first.
    assert.equal((await s.signIn('dr.north', 'the right password', 'north')).mode, 'offline');
    f.server.down = false;
    await s.signIn('dr.north', 'the right password', 'north');
    await s.signOut();
    // Signed out: the verifier is kept (offline sign-in later), the session token is not.
    assert.match(verifierOf(f.store).verifier, /^scrypt\$/);
    assert.equal(verifierOf(f.store).token_box, null);
  } finally {
    f.close();
  }
});

test('a second online sign-in owes its own verifier: the first one\'s cannot overwrite it', async () => {
  const f = fixture();
  try {
    const s = f.sessions();
    await s.signIn('dr.north', 'the old password', 'north');
    // The first sign-in's verifier is being derived (a round ended) when the user signs in again.
    const first = s.settle();
    f.server.token = 'wss_second';
    await s.signIn('dr.north', 'the new password', 'north');
    await first;
    assert.match(verifierOf(f.store).verifier, /^pending\$/);
    await s.settle();
    f.server.down = true;
    const later = f.sessions();
    await assert.rejects(later.signIn('dr.north', 'the old password', 'north'), /invalid username, password or branch/);
    assert.equal((await later.signIn('dr.north', 'the new password', 'north')).mode, 'offline');
    assert.equal(later.tokenFor(7), 'wss_second');
  } finally {
    f.close();
  }
});
