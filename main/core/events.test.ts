import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StationStatus } from '../../contract/station-api';
import { saveDraft } from './drafts';
import { createEventHub, type StationEventHub } from './events';
import { rejectItem } from './outbox';
import { openStore, type Store } from './store';

/* The event hub on a real station store: a poke emits exactly what changed, and nothing when nothing did. */
describe('station events', () => {
  let dir: string;
  let db: Store;
  let hub: StationEventHub;
  let user: number | null = 1;
  let locked = false;
  const got: { name: string; payload: unknown }[] = [];
  const settle = () => new Promise((r) => setImmediate(r));
  const status = (): StationStatus => ({
    enrolled: true,
    user: user === null ? null : { id: user, username: 'u', displayName: 'U', roles: ['physician'] },
    locked,
    mode: 'online',
    sync: { state: 'online', pendingItems: 0, pendingBytes: 0, rejectedItems: 0, cursor: '0', lastSyncAt: null },
  });

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'station-events-'));
    db = openStore(path.join(dir, 'station.db'));
    hub = createEventHub({ store: db, status, userId: () => user });
    for (const name of ['status', 'syncProgress', 'draftsChanged', 'outboxChanged'] as const) hub.on(name, (payload) => got.push({ name, payload }));
  });
  after(() => {
    hub.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an unchanged station emits nothing, however often it is poked', async () => {
    for (let i = 0; i < 5; i++) hub.poke();
    await settle();
    assert.deepEqual(got, []);
  });

  test('a saved draft announces the draft and the outbox, once per burst', async () => {
    got.length = 0;
    const patientId = randomUUID();
    const d = saveDraft(db, 1, { patientId, text: 'Day 2. Afebrile.' });
    hub.poke();
    hub.poke();
    await settle();
    assert.deepEqual(got.map((g) => g.name).sort(), ['draftsChanged', 'outboxChanged']);
    assert.deepEqual(got.find((g) => g.name === 'draftsChanged')!.payload, { draftIds: [d.id], patientIds: [patientId] });
    assert.deepEqual(got.find((g) => g.name === 'outboxChanged')!.payload, { pending: 1, rejected: 0 });

    got.length = 0;
    const id = db.prepare('SELECT id FROM outbox').pluck().get() as string;
    rejectItem(db, id, 'invalid');
    hub.poke();
    await settle();
    assert.deepEqual(got, [{ name: 'outboxChanged', payload: { pending: 0, rejected: 1 } }]);
  });

  test("another user's drafts are not announced to the signed-in user", async () => {
    got.length = 0;
    saveDraft(db, 2, { patientId: randomUUID(), text: 'nurse note' });
    hub.poke();
    await settle();
    assert.deepEqual(got.map((g) => g.name), ['outboxChanged']);
  });

  test('a lock changes the status', async () => {
    got.length = 0;
    locked = true;
    hub.poke();
    await settle();
    assert.deepEqual(got.map((g) => g.name), ['status']);
    assert.equal((got[0]!.payload as StationStatus).locked, true);
  });

  test('locked or signed out, no event carries outbox counts', async () => {
    user = null;
    hub.poke();
    await settle();
    got.length = 0;
    // Work of the user who locked keeps going out in the background: the lock screen hears none of it.
    saveDraft(db, 1, { patientId: randomUUID(), text: 'Written before the lock, sent in the background.' });
    hub.poke();
    await settle();
    assert.deepEqual(got.filter((g) => g.name === 'outboxChanged' || g.name === 'draftsChanged'), []);
    user = 1;
    hub.poke();
    await settle();
    assert.ok(got.some((g) => g.name === 'outboxChanged' && (g.payload as { pending: number }).pending > 0), 'back with a user, the counts return');
  });
});
