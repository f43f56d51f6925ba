import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateRawNotes } from '../../contract/demo/notes';
import { Mutation, UUID_V7 } from '../../contract/sync';
import { applyDraftAnswer, getDraft, listDrafts, resolveConflict, saveDraft } from './drafts';
import { pendingItems, progress } from './outbox';
import { migrateStore, openStore, type Store } from './store';
import { observeUuid7, uuid7 } from './uuid7';
import { stationMigrations } from '../../migrations/station/index';

describe('station store: drafts and outbox', () => {
  let dir: string;
  let db: Store;
  const notes = generateRawNotes({ count: 30, seed: 5 }).map((n) => n.text);

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'station-drafts-'));
    db = openStore(path.join(dir, 'station.db'));
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the store runs in WAL mode and migrations are additive and applied once', () => {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.deepEqual(migrateStore(db), []);
    for (const m of stationMigrations) for (const s of m.statements) assert.doesNotMatch(s, /\b(DROP|RENAME|ALTER\s+COLUMN)\b/i);
  });

  test('a save writes the draft and its outbox mutation together, keeping every character', () => {
    const patientId = randomUUID();
    const saved = notes.map((text) => saveDraft(db, 7, { patientId, text }));
    const items = pendingItems(db, 1000).filter((i) => i.userId === 7);
    assert.equal(items.length, notes.length);
    for (const it of items) {
      Mutation.parse(it.mutation);
      assert.match(it.id, UUID_V7);
    }
    // ids sort in the order the saves were made
    assert.deepEqual([...items.map((i) => i.id)].sort(), items.map((i) => i.id));
    for (const [i, d] of saved.entries()) {
      const text = getDraft(db, 7, d.id).text;
      assert.equal(text.replaceAll('\uFFFD', '\u0000'), notes[i], 'only U+0000 is marked, nothing dropped');
    }
    assert.ok(progress(db).pendingBytes > 0);
  });

  test('a user sees only their own drafts', () => {
    const patientId = randomUUID();
    const mine = saveDraft(db, 1, { patientId, text: 'mine' });
    saveDraft(db, 2, { patientId, text: 'theirs' });
    assert.deepEqual(listDrafts(db, 1, patientId).map((d) => d.text), ['mine']);
    assert.throws(() => getDraft(db, 2, mine.id));
    assert.throws(() => saveDraft(db, 2, { draftId: mine.id, patientId, text: 'overwrite' }));
    assert.equal(getDraft(db, 1, mine.id).text, 'mine');
  });

  test('a conflict keeps both texts until the author resolves it', () => {
    const patientId = randomUUID();
    const d = saveDraft(db, 3, { patientId, text: 'A' });
    applyDraftAnswer(db, d.id, {
      id: d.id,
      patientId,
      text: 'B',
      version: 3,
      status: 'conflict',
      conflictTexts: [
        { text: 'B', stationId: null, version: 2 },
        { text: 'A', stationId: null, version: 1 },
      ],
    });
    const c = getDraft(db, 3, d.id);
    assert.equal(c.status, 'conflict');
    assert.equal(c.text, 'A');
    assert.deepEqual(c.conflictTexts?.map((x) => x.text), ['B', 'A']);
    const r = resolveConflict(db, 3, d.id, 'A and B');
    assert.equal(r.status, 'draft');
    assert.equal(r.text, 'A and B');
  });

  test('mutation ids keep rising across a restart with the clock set back', () => {
    const before = saveDraft(db, 9, { patientId: randomUUID(), text: 'x' });
    const lastId = db.prepare("SELECT value FROM sync_state WHERE key = 'last_mutation_id'").pluck().get() as string;
    assert.ok(pendingItems(db, 10000).some((i) => i.id === lastId && i.draftId === before.id));
    observeUuid7(lastId);
    assert.ok(uuid7(Date.now() - 3_600_000) > lastId);
  });

  test('uuid7 stays ordered within one millisecond and when the clock steps back', () => {
    const ids = [uuid7(2_000_000_000_000), uuid7(2_000_000_000_000), uuid7(1_999_999_999_000), uuid7(2_000_000_000_001)];
    assert.deepEqual([...ids].sort(), ids);
    for (const id of ids) assert.match(id, UUID_V7);
  });

  test('direction overrides are removed and broken characters replaced, and the save says so', () => {
    const d = saveDraft(db, 7, { patientId: randomUUID(), text: 'Allergy: \u202Enillicinep\u202C none\u0000 \uD83D' });
    assert.equal(d.text, 'Allergy: nillicinep none\uFFFD \uFFFD');
    assert.deepEqual(d.cleaned, { replaced: 2, bidiRemoved: 2 });
    assert.equal(saveDraft(db, 7, { draftId: d.id, patientId: d.patientId, text: 'ordinary text' }).cleaned, undefined);
    assert.equal((JSON.parse(JSON.stringify(pendingItems(db, 1000).at(-2)!.mutation)) as { payload: { text: string } }).payload.text, d.text);
  });
});
