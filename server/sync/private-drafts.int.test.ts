import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { STATION_CREDENTIAL_HEADER, type Mutation } from '../../contract/sync';
import { addUser } from '../admin/users';
import { enrolStation } from '../admin/credentials';
import { withBranch } from '../db/with-branch';
import { TEST_PASSWORD } from '../testing/fixtures';
import { draftSave, startSyncHarness, testUuid7, type StationCreds, type SyncHarness } from '../testing/sync-harness';

/*
 * Issue 11, item 3: a physician's unsubmitted draft (and its conflict texts) reaches only that
 * physician's sessions: not a nurse's station, not a second physician's, through neither the
 * pull feed, the notes API nor a replayed mutation id. Once submitted, colleagues see it.
 */
describe('private drafts: only the author reads an unsubmitted draft', () => {
  let h: SyncHarness;
  let third: StationCreds;
  let author: string;
  let nurse: string;
  let colleague: string;
  const draftId = randomUUID();
  const secret = `Unsubmitted thought ${randomUUID()}`;
  const conflictSecret = `Other station's text ${randomUUID()}`;
  let firstSave: Mutation;

  before(async () => {
    h = await startSyncHarness(2);
    await addUser(h.t.owner, { username: 'dr.north2', displayName: 'Dr North Two', password: TEST_PASSWORD, roles: [{ branchCode: 'north', role: 'physician' }] });
    third = await enrolStation(h.t.owner, 'north', 'n-med', 'north station 3');
    author = await h.login('dr.north', 'north', h.north1);
    nurse = await h.login('nurse.north', 'north', h.north2);
    colleague = await h.login('dr.north2', 'north', third);
    const patient = h.f.north.patientIds[0]!;
    firstSave = draftSave(draftId, patient, secret, 0);
    await h.push(h.north1, author, [firstSave]);
    // The author's second station edits an older version: a conflict that keeps both texts.
    const authorAt2 = await h.login('dr.north', 'north', h.north2);
    await h.push(h.north1, author, [draftSave(draftId, patient, `${secret} (edited)`, 1)]);
    const r = await h.push(h.north2, authorAt2, [draftSave(draftId, patient, conflictSecret, 1)]);
    assert.equal(r.results[0]!.status, 'conflict');
  });
  after(() => h.close());

  async function everything(station: StationCreds, token: string): Promise<string> {
    let cursor = '0';
    let all = '';
    for (;;) {
      const page = await h.pull(station, token, cursor, 3);
      all += JSON.stringify(page.changes);
      cursor = page.cursor;
      if (!page.more) return all;
    }
  }
  const noteApi = (station: StationCreds, token: string) =>
    fetch(`${h.url}/api/notes/${draftId}`, { headers: { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: station.credential } });

  test('the author receives the draft and its conflict texts', async () => {
    const all = await everything(h.north1, author);
    assert.ok(all.includes(secret) && all.includes(conflictSecret));
    assert.equal((await noteApi(h.north1, author)).status, 200);
  });

  test('a nurse\'s station and a second physician\'s station receive none of it through pull', async () => {
    for (const [station, token] of [[h.north2, nurse], [third, colleague]] as const) {
      const all = await everything(station, token);
      assert.ok(!all.includes(secret) && !all.includes(conflictSecret) && !all.includes(draftId), 'no trace of the draft');
      assert.ok(all.includes(h.f.north.patientIds[0]!), 'the rest of the ward still arrives');
    }
  });

  test('nor through the notes API, nor by replaying the author\'s mutation id', async () => {
    for (const [station, token] of [[h.north2, nurse], [third, colleague]] as const) {
      const r = await noteApi(station, token);
      assert.equal(r.status, 404);
      assert.ok(!(await r.text()).includes(secret));
    }
    const replay = await h.push(third, colleague, [firstSave]);
    assert.deepEqual(replay.results, [{ id: firstSave.id, status: 'rejected', reason: 'forbidden' }]);
    assert.ok(!JSON.stringify(replay).includes(secret));
    const own = await h.push(h.north1, author, [firstSave]);
    assert.equal(own.results[0]!.status, 'duplicate', 'the author still gets the first answer');
  });

  test('once submitted, colleagues read the note, without the conflict texts', async () => {
    const resolve = await h.push(h.north1, author, [{ kind: 'draft.resolve', id: testUuid7(), payload: { draftId, text: `${secret} resolved`, baseVersion: 3 } }]);
    assert.equal(resolve.results[0]!.status, 'applied', JSON.stringify(resolve));
    const submit = await h.push(h.north1, author, [{ kind: 'draft.submit', id: testUuid7(), payload: { draftId, baseVersion: 4 } }]);
    assert.equal(submit.results[0]!.status, 'applied', JSON.stringify(submit));
    const all = await everything(third, colleague);
    assert.ok(all.includes(`${secret} resolved`));
    assert.ok(!all.includes(conflictSecret));
    assert.equal((await noteApi(third, colleague)).status, 200);
  });

  test('the pull audit rows name the patients whose data they returned', async () => {
    const pulls = await withBranch(h.t.owner, h.f.north.id, { kind: 'admin', id: 't' }, (trx) => trx.selectFrom('audit_events').select('detail').where('action', '=', 'sync.pull').execute());
    const named = pulls.flatMap((r) => ((r.detail as { patientIds?: string[] }).patientIds ?? []));
    for (const p of h.f.north.patientIds) assert.ok(named.includes(p), `patient ${p} named in a pull audit row`);
  });
});
