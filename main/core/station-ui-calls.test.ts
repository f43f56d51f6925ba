import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyChanges, NEW_RESULT_WINDOW_MS, patientChart, patientFlags } from './cache';
import { listDictations, saveDictation } from './dictations';
import { saveDraft, submitDraft } from './drafts';
import { pendingForUser } from './outbox';
import { openStore, type Store } from './store';

/* The calls added for the station screens: outbox view, dictations, ward-list flags; always per user. */
describe('station store: outbox view, dictations and ward flags', () => {
  let dir: string;
  let db: Store;
  const patient = randomUUID();
  const other = randomUUID();
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'station-ui-calls-'));
    db = openStore(path.join(dir, 'station.db'));
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the outbox view lists only the user\'s own unsent changes, with their patient', () => {
    const d = saveDraft(db, 1, { patientId: patient, text: 'first' });
    saveDraft(db, 1, { draftId: d.id, patientId: patient, text: 'first, more' });
    saveDraft(db, 2, { patientId: other, text: 'nurse note' });
    const mine = pendingForUser(db, 1);
    assert.equal(mine.length, 2);
    assert.ok(mine.every((m) => m.patientId === patient && m.draftId === d.id && m.kind === 'draft.save' && m.bytes > 0));
    assert.deepEqual(pendingForUser(db, 2).map((m) => m.patientId), [other]);
    assert.deepEqual(pendingForUser(db, 3), []);
  });

  test('a dictation is stored byte for byte and only its author lists it', () => {
    const audio = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const v = saveDictation(db, 1, { patientId: patient, mime: 'audio/webm;codecs=opus', durationMs: 1500, audioBase64: audio.toString('base64') });
    assert.equal(v.bytes, audio.length);
    const stored = db.prepare('SELECT audio FROM dictations WHERE id = ?').pluck().get(v.id) as Buffer;
    assert.ok(stored.equals(audio));
    assert.deepEqual(listDictations(db, 1, patient).map((x) => x.id), [v.id]);
    assert.deepEqual(listDictations(db, 2, patient), []);
    assert.deepEqual(listDictations(db, 1, other), []);
  });

  test('ward flags count recent results and the user\'s notes awaiting review; signed notes reach the chart', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const obs = (id: string, at: number) => ({ seq: '1', entity: 'observation' as const, id, data: { id, patient_id: patient, effective_at: new Date(at).toISOString() } });
    applyChanges(db, [obs(randomUUID(), now - 3600_000), obs(randomUUID(), now - NEW_RESULT_WINDOW_MS - 1000)], '1');
    const d = saveDraft(db, 1, { patientId: patient, text: 'to submit' });
    submitDraft(db, 1, d.id);
    assert.deepEqual(patientFlags(db, 1, [patient, other], now), { [patient]: { newResults: 1, awaitingReview: 1 }, [other]: { newResults: 0, awaitingReview: 0 } });
    assert.equal(patientFlags(db, 2, [patient], now)[patient]!.awaitingReview, 0);
    // A physician acts on any progress note; a nursing note (its author known here as a nurse) is its author's alone.
    assert.equal(patientFlags(db, 2, [patient], now, ['physician'])[patient]!.awaitingReview, 1);
    db.prepare('INSERT INTO local_users (user_id, username, branch_code, profile, verifier, token_box, verified_until, updated_at) VALUES (1, ?, ?, ?, ?, NULL, 0, 0)').run(
      'nurse.one',
      'north',
      JSON.stringify({ id: 1, username: 'nurse.one', displayName: 'Nurse One', roles: ['nurse'] }),
      'x',
    );
    assert.equal(patientFlags(db, 2, [patient], now, ['physician'])[patient]!.awaitingReview, 0);
    assert.equal(patientFlags(db, 1, [patient], now, ['nurse'])[patient]!.awaitingReview, 1);
    db.prepare('DELETE FROM local_users WHERE user_id = 1').run();
    // Its AI draft arrives (still awaiting review), then is approved: the flag goes.
    const soap = (status: string, seq: string) => ({
      seq,
      entity: 'soap_draft' as const,
      id: soapId,
      data: { id: soapId, note_draft_id: d.id, patient_id: patient, status, approved_text: status === 'approved' ? 'Plan:\n- rest' : null, approved_at: status === 'approved' ? '2026-11-25T12:01:00+00:00' : null, approved_by: status === 'approved' ? 1 : null },
    });
    const soapId = randomUUID();
    applyChanges(db, [{ seq: '2', entity: 'patient', id: patient, data: { id: patient, mrn: 'N000001', national_id: null, family_name: 'Test', given_names: ['Ada'], birth_date: '1950-01-01', sex: 'female', bed: null, ward_id: null } }], '2');
    applyChanges(db, [soap('ready', '2')], '2');
    assert.equal(patientFlags(db, 1, [patient], now)[patient]!.awaitingReview, 1);
    assert.deepEqual(patientChart(db, patient)!.signedNotes, [], 'a draft awaiting review is not a signed note');
    applyChanges(db, [soap('approved', '3')], '3');
    applyChanges(db, [{ seq: '4', entity: 'note_addendum', id: randomUUID(), data: { soap_draft_id: soapId, patient_id: patient, text: 'Seen again at 14:00.', author_user_id: 1, created_at: '2026-11-25T14:00:00+00:00' } }], '4');
    assert.equal(patientFlags(db, 1, [patient], now)[patient]!.awaitingReview, 0);
    assert.deepEqual(patientChart(db, patient)!.signedNotes, [
      { noteId: d.id, approvedAt: '2026-11-25T12:01:00.000Z', approvedBy: 1, approvedByName: null, approvedByRoles: [], text: 'Plan:\n- rest', addenda: [{ text: 'Seen again at 14:00.', authorUserId: 1, createdAt: '2026-11-25T14:00:00.000Z' }] },
    ]);
  });
});
