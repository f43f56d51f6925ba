import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { NoteAudit, NoteReview, SoapDraftView } from '../../contract/notes';
import type { GeneratedSoap } from '../../contract/soap';
import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';
import { silentLogger } from '../log';
import { startSummarizationWorker, type SummarizationWorker } from '../notes/jobs/worker';
import { structureLocally } from '../notes/local';
import { structureNote } from '../notes/pipeline';
import { createSummarizer } from '../notes/providers';
import { chatReply, startFakeOpenAI, type FakeOpenAIServer } from '../notes/testing/openai-compatible-server';
import { draftSave, startSyncHarness, testUuid7, type SyncHarness } from '../testing/sync-harness';

/*
 * The checks before approval, over HTTP on a real server and PostgreSQL, with drafts from the
 * openai provider talking to the loopback OpenAI-protocol server: a model draft that leaves a
 * dose and an allergy out (the omission check), and notes that name another patient (the
 * wrong-patient guard). The server refuses approval until each is resolved, whatever the UI does.
 */

const NOTE = [
  'Allergies: penicillin (anaphylaxis).',
  'Started warfarin 5 mg daily last week.',
  'Cough improving since yesterday.',
  'BP 128/76.',
  'Impression: CAP, improving.',
  'Plan: continue doxycycline 100 mg PO BD.',
].join('\n');
// What a summarising model might answer: the allergy and the warfarin dose are gone.
const DROPS_DOSE_AND_ALLERGY: GeneratedSoap = {
  subjective: [{ text: 'Cough improving.', quotes: ['Cough improving since yesterday.'] }],
  objective: [{ text: 'BP 128/76.', quotes: ['BP 128/76.'] }],
  assessment: [{ text: 'Community-acquired pneumonia, improving.', quotes: ['CAP, improving.'] }],
  plan: [{ text: 'Continue doxycycline 100 mg PO BD.', quotes: ['continue doxycycline 100 mg PO BD.'] }],
};

describe('checks before approval', () => {
  let h: SyncHarness;
  let fake: FakeOpenAIServer;
  let answer: GeneratedSoap = DROPS_DOSE_AND_ALLERGY;
  let worker: SummarizationWorker;
  let dr = '';

  before(async () => {
    h = await startSyncHarness();
    fake = await startFakeOpenAI(() => chatReply(answer));
    dr = await h.login('dr.north', 'north', h.north1);
    const provider = createSummarizer({
      provider: 'openai', apiKey: 'sk-loopback', model: 'gpt-4o-mini', baseURL: `${fake.origin}/v1`, responseFormat: 'auto',
      timeoutMs: 5000, maxRetries: 0, maxRetryAfterMs: 1000, malformedRetries: 0, backoffMs: 1,
    });
    worker = startSummarizationWorker({ db: h.t.app, log: silentLogger, summarize: (raw, signal) => structureNote(raw, provider, signal) }, false);
  });
  after(async () => {
    await worker.stop({ release: false });
    await fake.close();
    await h.close();
  });

  async function call(method: string, path: string, body?: unknown) {
    const r = await fetch(`${h.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${dr}`, [STATION_CREDENTIAL_HEADER]: h.north1.credential, 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  }

  async function summarized(text: string, patient = 0): Promise<{ id: string; review: NoteReview }> {
    const id = randomUUID();
    await h.push(h.north1, dr, [draftSave(id, h.f.north.patientIds[patient]!, text, 0)]);
    await h.push(h.north1, dr, [{ kind: 'draft.submit', id: testUuid7(), payload: { draftId: id, baseVersion: 1 } }]);
    await worker.runOnce();
    const review = NoteReview.parse((await call('GET', `/api/notes/${id}`)).json);
    assert.equal(review.state, 'ready');
    return { id, review };
  }

  test('a model draft that drops a dose and an allergy: listed, approval refused until each is added or marked not needed', async () => {
    answer = DROPS_DOSE_AND_ALLERGY;
    const { id, review } = await summarized(NOTE);
    assert.equal(review.draft!.provider, 'openai');
    assert.equal(review.draft!.blockingCount, 0, 'every quote of the draft is in the note');
    const omissions = review.checks!.omissions;
    assert.deepEqual(omissions.map((o) => o.text), ['Allergies: penicillin (anaphylaxis).', 'Started warfarin 5 mg daily last week.']);
    assert.ok(omissions[0]!.reasons.includes('allergy'));
    assert.ok(omissions[1]!.reasons.includes('dose') && omissions[1]!.reasons.includes('drug'));
    assert.equal(review.checks!.patientWarnings.length, 0);

    const refused = await call('POST', `/api/notes/${id}/approve`, { contentHash: review.draft!.contentHash });
    assert.equal(refused.status, 409);
    assert.match(refused.json.error.message, /2 sentence\(s\) of the note are not in the draft/);

    const added = NoteReview.parse((await call('POST', `/api/notes/${id}/omissions/${omissions[0]!.key}/add`, { section: 'subjective' })).json);
    const allergy = added.draft!.sections.subjective.find((s) => s.text.startsWith('Allergies'));
    assert.equal(allergy?.text, 'Allergies: penicillin (anaphylaxis).', 'the allergy is added with its label');
    assert.equal(allergy?.supported, true);
    assert.notEqual(added.draft!.contentHash, review.draft!.contentHash, 'adding changes what is signed, so the hash');
    assert.deepEqual(added.checks!.omissions.map((o) => o.text), ['Started warfarin 5 mg daily last week.']);
    assert.equal((await call('POST', `/api/notes/${id}/approve`, { contentHash: added.draft!.contentHash })).status, 409, 'one left');

    const dismissed = NoteReview.parse((await call('POST', `/api/notes/${id}/omissions/${omissions[1]!.key}/not-needed`)).json);
    assert.equal(dismissed.checks!.omissions.length, 1);
    assert.equal(dismissed.checks!.omissions[0]!.dismissed, true);
    assert.equal((await call('POST', `/api/notes/${id}/omissions/0123456789abcdef/not-needed`)).status, 404, 'an unknown sentence');

    const approved = SoapDraftView.parse((await call('POST', `/api/notes/${id}/approve`, { contentHash: dismissed.draft!.contentHash })).json);
    assert.equal(approved.status, 'approved');
    assert.match(approved.signedText!, /- Allergies: penicillin \(anaphylaxis\)\./, 'the signed note keeps the allergy label');
    const audit = NoteAudit.parse((await call('GET', `/api/notes/${id}/audit`)).json).events.map((e) => e.action);
    assert.ok(audit.includes('note.omission_added') && audit.includes('note.omission_not_needed'));
  });

  test('the local structurer omits nothing', async () => {
    answer = structureLocally(NOTE);
    const { review } = await summarized(NOTE);
    assert.equal(review.checks!.omissions.length, 0);
  });

  test("wrong-patient guard: another patient's MRN and name, a wrong birth date; not the right patient", async () => {
    // Patient 0 of the fixtures is Zoë O'Brien, MRN N000001, born 1950-01-01; patient 1 is Zoë Nguyễn-1, MRN N000002.
    const other = "Zoë O'Brien, DOB 05/03/1961. Results of MRN N000002 reviewed with Zoe NGUYEN-1's family (written without accents). Feels well.";
    answer = structureLocally(other);
    const { id, review } = await summarized(other);
    const kinds = review.checks!.patientWarnings.map((w) => w.kind).sort();
    assert.deepEqual(kinds, ['birth_date', 'mrn', 'name']);
    assert.ok(review.checks!.patientWarnings.every((w) => !w.message.includes('1950') || w.kind === 'birth_date'));
    const refused = await call('POST', `/api/notes/${id}/approve`, { contentHash: review.draft!.contentHash });
    assert.equal(refused.status, 409);
    assert.match(refused.json.error.message, /another patient/);
    const confirmed = NoteReview.parse((await call('POST', `/api/notes/${id}/confirm-patient`)).json);
    assert.equal(confirmed.checks!.patientConfirmed, true);
    assert.equal((await call('POST', `/api/notes/${id}/approve`, { contentHash: confirmed.draft!.contentHash })).status, 200);

    const right = "Zoë O'Brien, MRN N000001, DOB 01/01/1950, national id on file. Feels well, eating and drinking.";
    answer = structureLocally(right);
    const ok = await summarized(right);
    assert.deepEqual(ok.review.checks!.patientWarnings, [], 'the right patient raises nothing');
    assert.equal((await call('POST', `/api/notes/${ok.id}/approve`, { contentHash: ok.review.draft!.contentHash })).status, 200);
  });
});
