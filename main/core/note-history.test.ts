import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyChanges, patientChart } from './cache';
import { patientCodeStatuses, recordCodeStatus } from './clinical';
import { applyFeedDraft, saveDraft, submitDraft } from './drafts';
import { noteHistory } from './note-history';
import { openStore, type Store } from './store';

/*
 * What the chart shows of a patient's notes and code status, from the station's own store: only
 * what the signed-in user may see, the signer's name and role as the feed carries them, and a
 * code status recorded here shown at once, then replaced by the server's row.
 */
describe('note history and code status on the station', () => {
  let dir: string;
  let db: Store;
  const patient = randomUUID();
  const DR = 1;
  const NURSE = 2;
  const DR2 = 3;
  const physician = { id: DR, roles: ['physician'] as const };
  const nurse = { id: NURSE, roles: ['nurse'] as const };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'note-history-'));
    db = openStore(path.join(dir, 'station.db'));
    applyChanges(db, [{ seq: '1', entity: 'patient', id: patient, data: { id: patient, mrn: 'N000001', national_id: null, family_name: 'Test', given_names: ['Ada'], birth_date: '1950-01-01', sex: 'unknown', bed: '1A', ward_id: 1 } }], '1');
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('drafts stay with their author; a physician sees notes once submitted; signed notes carry their signer and role for everyone', () => {
    const ownDraft = saveDraft(db, DR, { patientId: patient, text: 'Physician draft, not yet submitted.' });
    const nurseDraft = saveDraft(db, NURSE, { patientId: patient, text: 'Nurse private draft.' });
    const nurseSubmitted = saveDraft(db, NURSE, { patientId: patient, text: 'Nursing note submitted for her own review.' });
    submitDraft(db, NURSE, nurseSubmitted.id);
    // Another physician's note, submitted, as the feed brings it (the server sends it only once submitted).
    const other = randomUUID();
    applyFeedDraft(db, { id: other, author_user_id: DR2, patient_id: patient, text: 'Colleague progress note waiting for review.', version: 2, status: 'submitted', updated_at: '2026-11-25T10:00:00Z' });
    const byState = (u: { id: number; roles: readonly string[] }) => noteHistory(db, u, patient).map((n) => [n.noteId, n.state]);
    const drSees = new Map(byState(physician) as [string, string][]);
    assert.equal(drSees.get(ownDraft.id), 'draft');
    assert.equal(drSees.get(other), 'waiting');
    assert.equal(drSees.get(nurseSubmitted.id), 'waiting', 'a physician sees a submitted note');
    assert.ok(!drSees.has(nurseDraft.id), "a nurse's private draft stays private");
    const nurseSees = new Map(byState(nurse) as [string, string][]);
    assert.deepEqual([...nurseSees.keys()].sort(), [nurseDraft.id, nurseSubmitted.id].sort(), 'a nurse sees her own notes, not the physicians\' drafts or waiting notes');

    // The nursing note is signed by its nurse on the server; the feed carries her name and role.
    const soapId = randomUUID();
    applyChanges(db, [{ seq: '5', entity: 'soap_draft', id: soapId, data: { id: soapId, note_draft_id: nurseSubmitted.id, patient_id: patient, status: 'approved', approved_text: 'Subjective:\n- more alert', approved_at: '2026-11-25T12:00:00+00:00', approved_by: NURSE, approved_by_name: 'Maria Santos', approved_by_role: 'nurse' } }], '5');
    for (const u of [physician, nurse, { id: 99, roles: ['physician'] as const }]) {
      const signed = noteHistory(db, u, patient).find((n) => n.noteId === nurseSubmitted.id)!;
      assert.equal(signed.state, 'signed');
      assert.equal(signed.kind, 'nursing');
      assert.equal(signed.signedByName, 'Maria Santos');
      assert.equal(signed.signedByRole, 'nurse');
    }
    // Nobody signed in here as that nurse: the chart's signed note still names her role.
    const [doc] = patientChart(db, patient)!.signedNotes!;
    assert.equal(doc!.approvedByName, 'Maria Santos');
    assert.deepEqual(doc!.approvedByRoles, ['nurse']);
    // A signed note whose raw note this station never held is listed too, without an author.
    const lone = randomUUID();
    applyChanges(db, [{ seq: '6', entity: 'soap_draft', id: randomUUID(), data: { id: randomUUID(), note_draft_id: lone, patient_id: patient, status: 'approved', approved_text: 'Plan:\n- home', approved_at: '2026-11-20T09:00:00+00:00', approved_by: DR2, approved_by_name: 'Dr. Two', approved_by_role: 'physician' } }], '6');
    const entry = noteHistory(db, nurse, patient).find((n) => n.noteId === lone)!;
    assert.deepEqual([entry.state, entry.authorUserId, entry.signedByName, entry.signedByRole], ['signed', null, 'Dr. Two', 'physician']);
    // Newest first.
    const times = noteHistory(db, physician, patient).map((n) => n.at);
    assert.deepEqual(times, [...times].sort().reverse());
  });

  test('a code status recorded here shows at once (pending), then as the server row; the newest is current', () => {
    assert.deepEqual(patientCodeStatuses(db, patient), [], 'not recorded');
    const local = recordCodeStatus(db, { id: DR, displayName: 'Dr. Anna Berger' }, { patientId: patient, status: 'limitations', limitations: 'No ICU' }, Date.parse('2026-11-25T13:00:00Z'));
    const outbox = db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending'").pluck().get() as number;
    assert.ok(outbox >= 1);
    assert.deepEqual(patientCodeStatuses(db, patient).map((c) => [c.status, c.limitations, c.recordedByName, c.pending]), [['limitations', 'No ICU', 'Dr. Anna Berger', true]]);
    // The server applied it (the outbox item is gone) and the feed brings the row, and a later DNACPR.
    db.prepare('DELETE FROM outbox').run();
    applyChanges(
      db,
      [
        { seq: '7', entity: 'code_status', id: local.id, data: { id: local.id, patient_id: patient, status: 'limitations', limitations: 'No ICU', recorded_by: DR, recorded_by_name: 'Dr. Anna Berger', recorded_by_role: 'physician', recorded_at: '2026-11-25T13:00:00+00:00' } },
        { seq: '8', entity: 'code_status', id: randomUUID(), data: { id: randomUUID(), patient_id: patient, status: 'dnacpr', limitations: null, recorded_by: DR2, recorded_by_name: 'Dr. Two', recorded_by_role: 'physician', recorded_at: '2026-11-26T08:00:00+00:00' } },
      ],
      '8',
    );
    const all = patientCodeStatuses(db, patient);
    assert.deepEqual(all.map((c) => [c.status, c.recordedByName, c.pending]), [['dnacpr', 'Dr. Two', false], ['limitations', 'Dr. Anna Berger', false]]);
  });
});
