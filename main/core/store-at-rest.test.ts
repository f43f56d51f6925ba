import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sealExistingRows } from './at-rest';
import { applyChanges, listPatients, patientChart } from './cache';
import { patientVitals, recordVitals } from './clinical';
import { listDictations, saveDictation } from './dictations';
import { applyDraftAnswer, getDraft, listDrafts, purgeStaleDrafts, saveDraft } from './drafts';
import { pendingItems } from './outbox';
import { createStation } from './station';
import { getConfig, openStore, setConfig, type Store } from './store';

/*
 * Issue 11, item 3: the station's store at rest. Its files are the station user's alone (0600),
 * and draft text, conflict texts, the outbox, the credential, the ward cache (patient names,
 * result values, SOAP drafts), locally recorded vitals and dictation audio cannot be read
 * without the key.
 */
describe('station store at rest', () => {
  let dir: string;
  const key = randomBytes(32);
  const secret = `Patient confided ${randomUUID()}: «не говорите семье»`;
  const credential = `wsk_${randomBytes(32).toString('base64url')}`;
  let db: Store;
  let draftId: string;
  // Needles no other bytes of the file could contain by chance.
  const family = `Zzyxwardname${randomBytes(4).toString('hex')}`;
  const resultValue = `Klebsiella-${randomBytes(4).toString('hex')}`;
  const soapText = `Assessment ${randomBytes(4).toString('hex')}: sepsis`;
  const audio = randomBytes(4096);
  const patientId = randomUUID();

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'station-at-rest-'));
    db = openStore(path.join(dir, 'station.db'), { storeKey: key });
    draftId = saveDraft(db, 7, { patientId: randomUUID(), text: secret }).id;
    setConfig(db, 'credential', credential);
    applyChanges(
      db,
      [
        { seq: '1', entity: 'patient', id: patientId, data: { id: patientId, mrn: 'N000042', national_id: null, family_name: family, given_names: ['Zoë'], birth_date: '1950-01-01', sex: 'female', bed: '4', ward_id: 1 } },
        { seq: '2', entity: 'observation', id: randomUUID(), data: { patient_id: patientId, loinc: '600-7', value_text: resultValue, value_num: 7.25, effective_at: new Date().toISOString(), category: ['laboratory'] } },
        { seq: '3', entity: 'soap_draft', id: randomUUID(), data: { patient_id: patientId, note_draft_id: randomUUID(), status: 'approved', approved_text: soapText, approved_at: new Date().toISOString(), approved_by: 7 } },
      ],
      '3',
    );
    recordVitals(db, 7, { patientId, takenAt: new Date().toISOString(), respiratoryRate: 31, spo2: 91, spo2Scale: 1, onOxygen: false, oxygenFlow: null, systolic: 88, diastolic: 50, pulse: 131, consciousness: 'V', temperature: 39.4 });
    saveDictation(db, 7, { patientId, mime: 'audio/wav', durationMs: 1000, audioBase64: audio.toString('base64') });
    db.pragma('wal_checkpoint(PASSIVE)');
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

  test('with the key the ward list finds the patient by name and the chart shows the result, the SOAP note, vitals and the recording', () => {
    assert.deepEqual(listPatients(db, family.slice(0, 8).toLowerCase()).map((p) => p.id), [patientId], 'search matches in memory after opening the rows');
    const chart = patientChart(db, patientId)!;
    assert.equal(chart.patient.familyName, family);
    assert.equal(chart.observations[0]!.value_text, resultValue);
    assert.equal(chart.signedNotes?.[0]?.text, soapText);
    assert.equal(patientVitals(db, patientId)[0]!.pulse, 131);
    assert.equal(listDictations(db, 7, patientId)[0]!.bytes, audio.length, 'the size of the recording, not of its ciphertext');
  });

  test('the files on disk hold neither the draft text, the credential, patient names, result values, SOAP text nor the audio', () => {
    const needles = [secret.slice(0, 20), 'не говорите', credential, family, resultValue, soapText, '"respiratoryRate":31'].map((s) => Buffer.from(s, 'utf8'));
    needles.push(audio.subarray(100, 164));
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

  test('a store an earlier version left in clear is sealed at start, and its old cells are gone from the files', () => {
    const file = path.join(dir, 'old.db');
    const oldName = `Qqoldname${randomBytes(4).toString('hex')}`;
    const oldAudio = randomBytes(2048);
    const plain = openStore(file);
    applyChanges(plain, [{ seq: '1', entity: 'patient', id: randomUUID(), data: { id: randomUUID(), mrn: 'N1', family_name: oldName, given_names: [], sex: 'male' } }], '1');
    saveDictation(plain, 3, { patientId, mime: 'audio/wav', durationMs: 10, audioBase64: oldAudio.toString('base64') });
    setConfig(plain, 'credential', credential);
    plain.pragma('wal_checkpoint(TRUNCATE)');
    plain.close();
    assert.notEqual(readFileSync(file).indexOf(Buffer.from(oldName)), -1, 'control: the old store holds the name in clear');

    const sealed = openStore(file, { storeKey: key });
    try {
      assert.equal(sealExistingRows(sealed), 3);
      assert.equal(sealExistingRows(sealed), 0, 'once');
      assert.equal(listPatients(sealed, oldName)[0]?.familyName, oldName);
      assert.equal(getConfig(sealed, 'credential'), credential);
    } finally {
      sealed.close();
    }
    for (const f of readdirSync(dir).filter((n) => n.startsWith('old.db'))) {
      const bytes = readFileSync(path.join(dir, f));
      assert.equal(bytes.indexOf(Buffer.from(oldName)), -1, `${f} still holds the old name`);
      assert.equal(bytes.indexOf(oldAudio.subarray(0, 64)), -1, `${f} still holds the old audio`);
      assert.equal(bytes.indexOf(Buffer.from(credential)), -1, `${f} still holds the credential`);
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
