import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { generateRawNotes } from '../../../contract/demo/notes';
import { sanitizeDraftText } from '../../../contract/sync';
import { withBranch } from '../../db/with-branch';
import { silentLogger } from '../../log';
import { twoBranches, type TwoBranches } from '../../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../../testing/test-db';
import type { SummarizerConfig } from '../config';
import { structureNote } from '../pipeline';
import { createSummarizer } from '../providers';
import { chatReply, errorReply, startFakeOpenAI, type FakeOpenAIServer, type Handler } from '../testing/openai-compatible-server';
import { claimJob, completeJob } from './queue';
import { startSummarizationWorker, type SummarizationWorker } from './worker';

/*
 * The summarization queue on a real PostgreSQL with the openai provider against the loopback
 * OpenAI-compatible server: restarts mid-call, expired leases, concurrent workers, retries.
 */

const admin = { kind: 'admin', id: 'test' } as const;
const NOTE = 'Cough less productive since yesterday.\nBP 142/88, HR 96.\nImpression: CAP, improving.\nPlan: continue amoxicillin 1 g PO TDS.';
const GOOD = {
  subjective: [{ text: 'Cough less productive since yesterday.', quotes: ['Cough less productive since yesterday.'] }],
  objective: [{ text: 'BP 142/88, HR 96.', quotes: ['BP 142/88, HR 96.'] }],
  assessment: [{ text: 'Community-acquired pneumonia, improving.', quotes: ['CAP, improving.'] }],
  plan: [{ text: 'Continue amoxicillin 1 g PO TDS.', quotes: ['continue amoxicillin 1 g PO TDS'] }],
};

describe('summarization jobs', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let fake: FakeOpenAIServer;
  let handler: Handler = () => chatReply(GOOD);
  let authorId: number;
  const workers: SummarizationWorker[] = [];

  before(async () => {
    t = await createTestDatabase({ appPoolSize: 8 });
    f = await twoBranches(t.owner);
    fake = await startFakeOpenAI((req, i) => handler(req, i));
    authorId = (await t.owner.selectFrom('users').select('id').where('username', '=', 'dr.north').executeTakeFirstOrThrow()).id;
  });
  after(async () => {
    for (const w of workers) await w.stop({ release: false });
    await fake.close();
    await t.close();
  });

  const config = (): SummarizerConfig => ({
    provider: 'openai', apiKey: 'sk-loopback', model: 'gpt-4o-mini', baseURL: `${fake.origin}/v1`, responseFormat: 'auto',
    timeoutMs: 10_000, maxRetries: 0, maxRetryAfterMs: 1000, malformedRetries: 0, backoffMs: 1,
  });
  const worker = (over: { leaseMs?: number } = {}) => {
    const provider = createSummarizer(config());
    const w = startSummarizationWorker(
      { db: t.app, log: silentLogger, summarize: (raw, signal) => structureNote(raw, provider, signal), backoff: { baseMs: 1, maxMs: 5 }, ...over },
      false,
    );
    workers.push(w);
    return w;
  };

  /** A raw note written and submitted (as a station's push would): the trigger enqueues its job. */
  async function submittedNote(text = NOTE): Promise<string> {
    const id = randomUUID();
    await withBranch(t.owner, f.north.id, admin, async (trx) => {
      await trx.insertInto('note_drafts').values({ branch_id: f.north.id, id, patient_id: f.north.patientIds[0]!, author_user_id: authorId, text }).execute();
      await trx.updateTable('note_drafts').set({ status: 'submitted', version: 2 }).where('id', '=', id).execute();
    });
    return id;
  }
  const drafts = (noteId: string) =>
    withBranch(t.owner, f.north.id, admin, (trx) => trx.selectFrom('soap_drafts').selectAll().where('note_draft_id', '=', noteId).execute());
  const job = (noteId: string) =>
    withBranch(t.owner, f.north.id, admin, (trx) => trx.selectFrom('summarization_jobs').selectAll().where('note_draft_id', '=', noteId).executeTakeFirstOrThrow());
  const waitFor = async (cond: () => boolean) => {
    for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(cond(), 'condition reached');
  };

  test('submitting enqueues exactly one job; a draft still being typed enqueues none', async () => {
    const noteId = await submittedNote();
    const typing = randomUUID();
    await withBranch(t.owner, f.north.id, admin, (trx) =>
      trx.insertInto('note_drafts').values({ branch_id: f.north.id, id: typing, patient_id: f.north.patientIds[1]!, author_user_id: authorId, text: 'x' }).execute(),
    );
    assert.equal((await job(noteId)).status, 'queued');
    const n = await withBranch(t.owner, f.north.id, admin, (trx) => trx.selectFrom('summarization_jobs').select('id').where('note_draft_id', '=', typing).execute());
    assert.equal(n.length, 0);
    await worker().runOnce();
    assert.equal((await drafts(noteId)).length, 1);
  });

  test('a worker stopped while the provider stalls hands the job back; a new worker ends with exactly one draft', async () => {
    const noteId = await submittedNote();
    const before = fake.requests.length;
    handler = (_req, i) => (i === before ? chatReply(GOOD, { delayMs: 3000 }) : chatReply(GOOD));
    const w1 = worker();
    const run1 = w1.runOnce();
    await waitFor(() => fake.requests.length > before);
    await w1.stop({ release: true });
    await run1;
    assert.equal((await drafts(noteId)).length, 0, 'no draft from the stopped worker');
    assert.equal((await job(noteId)).status, 'queued');
    await worker().runOnce();
    assert.equal((await drafts(noteId)).length, 1);
    assert.equal((await job(noteId)).status, 'done');
    handler = () => chatReply(GOOD);
  });

  test('a worker that dies mid-call: its lease expires, another takes over, and the dead one can never add a second draft', async () => {
    const noteId = await submittedNote();
    const w2 = worker({ leaseMs: 300 });
    const stale = await withBranch(t.app, f.north.id, admin, (trx) => claimJob(trx, 'dead-worker', 300));
    assert.ok(stale && stale.noteDraftId === noteId);
    assert.equal(await w2.runOnce(), 0, 'the lease is held');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await w2.runOnce(), 1, 'taken over after the lease expired');
    const result = await structureNote(NOTE, createSummarizer({ provider: 'local' }));
    assert.ok(result.ok);
    const completed = await withBranch(t.app, f.north.id, admin, (trx) => completeJob(trx, stale, 'dead-worker', result.draft));
    assert.equal(completed, false, 'the old lease holder cannot complete');
    const rows = await drafts(noteId);
    assert.equal(rows.length, 1);
    assert.equal((await job(noteId)).attempts, 2);
  });

  test('concurrent workers: every job once, exactly one draft each', async () => {
    const notes = generateRawNotes({ count: 6, seed: 11 }).map((n) => sanitizeDraftText(n.text));
    handler = (req) => {
      // Answer with quotes of the note actually sent, whichever it is.
      const user = String(req.json?.messages?.at(-1)?.content ?? '');
      const line = notes.find((n) => user.includes(n.slice(0, 40))) ?? NOTE;
      const first = line.split(/[.\n]/)[0]!.trim() || 'note';
      return chatReply({ subjective: [{ text: first, quotes: [first] }], objective: [], assessment: [], plan: [] }, { delayMs: 20 });
    };
    const ids = [];
    for (const n of notes) ids.push(await submittedNote(n));
    const ws = [worker(), worker(), worker()];
    const done = await Promise.all(ws.map((w) => w.runOnce()));
    assert.equal(done.reduce((a, b) => a + b, 0), ids.length, 'each job run once');
    for (const id of ids) assert.equal((await drafts(id)).length, 1);
    handler = () => chatReply(GOOD);
  });

  test('transient failures retry with backoff, then fail visibly after bounded attempts; no draft', async () => {
    handler = () => errorReply(500, 'upstream broke', {}, 'server_error');
    const noteId = await submittedNote();
    const w = worker();
    for (let i = 0; i < 10; i++) {
      await w.runOnce();
      const j = await job(noteId);
      if (j.status === 'failed') break;
      assert.equal(j.status, 'queued');
      assert.equal(j.last_error_kind, 'provider_error');
      await new Promise((r) => setTimeout(r, 10));
    }
    const j = await job(noteId);
    assert.equal(j.status, 'failed');
    assert.equal(j.attempts, j.max_attempts);
    assert.equal((await drafts(noteId)).length, 0);
    const audit = await withBranch(t.owner, f.north.id, admin, (trx) =>
      sql<{ action: string }>`SELECT action FROM audit_events WHERE entity_id = ${noteId} ORDER BY seq`.execute(trx),
    );
    assert.deepEqual(audit.rows.map((r) => r.action), ['note.submitted', 'note.ai_draft_failed']);
    handler = () => chatReply(GOOD);
  });

  test('a SOAP draft cannot name another patient than its raw note', async () => {
    const noteId = await submittedNote();
    await worker().runOnce();
    const [d] = await drafts(noteId);
    await assert.rejects(
      withBranch(t.owner, f.north.id, admin, (trx) =>
        trx.insertInto('soap_drafts').values({
          branch_id: f.north.id, job_id: d!.job_id, note_draft_id: noteId, note_version: 99, patient_id: f.north.patientIds[3]!, sections: '{}',
          provider: 'local', model: 'm', prompt_version: 'p', latency_ms: 1, input_tokens: null, output_tokens: null, content_hash: 'x',
        }).execute(),
      ),
      /foreign key|unique/,
    );
  });

  test('a SOAP draft cannot be moved to another patient, nor its raw note', async () => {
    const noteId = await submittedNote();
    await worker().runOnce();
    const [d] = await drafts(noteId);
    const other = f.north.patientIds[3]!;
    assert.notEqual(d!.patient_id, other);
    await assert.rejects(
      withBranch(t.owner, f.north.id, admin, (trx) => trx.updateTable('soap_drafts').set({ patient_id: other }).where('id', '=', d!.id).execute()),
      /foreign key/,
    );
    await assert.rejects(
      withBranch(t.owner, f.north.id, admin, (trx) => trx.updateTable('note_drafts').set({ patient_id: other }).where('id', '=', noteId).execute()),
      /foreign key|never change/,
    );
    // Naming the same patient again changes nothing and is allowed.
    await withBranch(t.owner, f.north.id, admin, (trx) => trx.updateTable('soap_drafts').set({ patient_id: d!.patient_id }).where('id', '=', d!.id).execute());
    assert.equal((await drafts(noteId))[0]!.patient_id, d!.patient_id);
  });
});
