import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyDraftAnswer, getDraft, listDrafts, purgeStaleDrafts, saveDraft } from './drafts';
import { pendingItems } from './outbox';
import { createStation } from './station';
import { getConfig, openStore, setConfig, type Store } from './store';

/*
 * Issue 11, item 3: the station's store at rest. Its files are the station user's alone (0600),
 * and draft text, conflict texts, the outbox and the credential cannot be read without the key.
 */
describe('station store at rest', () => {
  let dir: string;
  const key = randomBytes(32);
  const secret = `Patient confided ${randomUUID()}: «не говорите семье»`;
  const credential = `wsk_${randomBytes(32).toString('base64url')}`;
  let db: Store;
  let draftId: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'station-at-rest-'));
    db = openStore(path.join(dir, 'station.db'), { storeKey: key });
    draftId = saveDraft(db, 7, { patientId: randomUUID(), text: secret }).id;
    setConfig(db, 'credential', credential);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the database, its WAL and shared-memory files are 0600', () => {
    for (const f of ['station.db', 'station.db-wal', 'station.db-shm']) {
      assert.equal(statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
    }
  });

  test('with the key the station reads its drafts, outbox and credential', () => {
    assert.equal(getDraft(db, 7, draftId).text, secret);
    assert.equal((pendingItems(db, 10)[0]!.mutation.payload as { text: string }).text, secret);
    assert.equal(getConfig(db, 'credential'), credential);
  });

  test('the files on disk hold neither the draft text nor the credential', () => {
    const needles = [secret.slice(0, 20), 'не говорите', credential].map((s) => Buffer.from(s, 'utf8'));
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(path.join(dir, f));
      for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${f} holds ${n.toString().slice(0, 12)}…`);
    }
  });

  test('without the key, or with another, the drafts are unreadable', () => {
    const plain = openStore(path.join(dir, 'station.db'));
    try {
      const stored = plain.prepare('SELECT text FROM drafts WHERE id = ?').pluck().get(draftId) as string;
      assert.match(stored, /^s1:/);
      assert.ok(!stored.includes(secret));
    } finally {
      plain.close();
    }
    const other = openStore(path.join(dir, 'station.db'), { storeKey: randomBytes(32) });
    try {
      assert.throws(() => getDraft(other, 7, draftId), /unable to authenticate|Unsupported state/);
    } finally {
      other.close();
    }
  });

  test('drafts of users past the offline window go; unsynced ones stay until pushed', () => {
    const now = Date.now();
    db.prepare("INSERT INTO local_users (user_id, username, branch_code, profile, verifier, verified_until, updated_at) VALUES (7, 'dr.gone', 'north', '{}', 'x', ?, ?)").run(now - 1000, now);
    db.prepare("INSERT INTO local_users (user_id, username, branch_code, profile, verifier, verified_until, updated_at) VALUES (8, 'dr.here', 'north', '{}', 'x', ?, ?)").run(now + 3600_000, now);
    const recent = saveDraft(db, 8, { patientId: randomUUID(), text: 'still here' }).id;
    assert.equal(purgeStaleDrafts(db, now), 0, 'the unsynced draft of user 7 stays');
    // The server acknowledged it: now it goes; user 8's stays.
    applyDraftAnswer(db, draftId, undefined);
    db.prepare("UPDATE outbox SET state = 'done' WHERE draft_id = ?").run(draftId);
    assert.equal(purgeStaleDrafts(db, now), 1);
    assert.deepEqual(listDrafts(db, 7), []);
    assert.equal(listDrafts(db, 8)[0]!.id, recent);
  });

  test('a station under main/host keeps its key in a 0600 file of its data folder', async () => {
    const data = path.join(dir, 'host');
    const station = createStation({ dataDir: data, autoSync: false, serverUrl: 'http://127.0.0.1:9', credential });
    try {
      assert.equal(statSync(path.join(data, 'store.key')).mode & 0o777, 0o600);
      assert.equal(statSync(data).mode & 0o777, 0o700);
      assert.equal(statSync(path.join(data, 'station.db')).mode & 0o777, 0o600);
    } finally {
      await station.close();
    }
    for (const f of readdirSync(data)) assert.equal(readFileSync(path.join(data, f)).indexOf(Buffer.from(credential)), -1, f);
  });
});
