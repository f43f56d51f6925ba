import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StationHandlers } from '../../contract/station-api';
import { StationError } from '../../main/core/errors';
import { createStation, type StationCore } from '../../main/core/station';
import { startStationHost, stationHostClient, type StationHost } from '../../main/host/http-host';
import { withBranch } from '../../server/db/with-branch';
import { silentLogger } from '../../server/log';
import { startSummarizationWorker, type SummarizationWorker } from '../../server/notes/jobs/worker';
import { structureNote } from '../../server/notes/pipeline';
import { createSummarizer } from '../../server/notes/providers';
import { TEST_PASSWORD } from '../../server/testing/fixtures';
import { startSyncHarness, type StationCreds, type SyncHarness } from '../../server/testing/sync-harness';
import { startProxy, type Proxy } from '../sync/proxy';
import { DEFAULT_AUTH_POLICY } from '../../server/auth/policy';
import { buildServer } from '../../server/http/app';
import { startFakeOpenAI, transcriptionReply } from '../../server/notes/testing/openai-compatible-server';

/*
 * The station API's notes calls, end to end: a station (main/core, SQLite) behind the loopback
 * host, the real server and PostgreSQL, the summarization job with the local structurer.
 */

const NOTE = 'Cough less productive since yesterday.\nBP 142/88, HR 96.\nImpression: community-acquired pneumonia, improving.\nPlan: continue amoxicillin 1 g PO TDS.';

describe('station notes calls', () => {
  let h: SyncHarness;
  let proxy: Proxy;
  let dir: string;
  let worker: SummarizationWorker;
  const stations: StationCore[] = [];
  const hosts: StationHost[] = [];
  const admin = { kind: 'admin', id: 'test' } as const;

  before(async () => {
    h = await startSyncHarness();
    proxy = await startProxy(h.url);
    dir = mkdtempSync(path.join(tmpdir(), 'station-notes-'));
    const local = createSummarizer({ provider: 'local' });
    worker = startSummarizationWorker({ db: h.t.app, log: silentLogger, summarize: (raw, signal) => structureNote(raw, local, signal) }, false);
  });
  after(async () => {
    await worker.stop();
    for (const x of hosts) await x.close();
    for (const s of stations) await s.close();
    await proxy.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function station(name: string, creds: StationCreds, username: string, branch: string): Promise<StationHandlers> {
    const s = createStation({ dataDir: path.join(dir, name), serverUrl: proxy.url, credential: creds.credential, autoSync: false });
    stations.push(s);
    const host = await startStationHost(s.handlers);
    hosts.push(host);
    const api = stationHostClient(host.url, host.secret);
    await api.signIn({ username, password: TEST_PASSWORD, branch });
    return api;
  }
  const code = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
      return 'ok';
    } catch (e) {
      assert.ok(e instanceof StationError, String(e));
      return e.code;
    }
  };

  test('review, approval, addenda and audit through the station API; refused to a nurse, IT and offline', async () => {
    const dr = await station('dr', h.north1, 'dr.north', 'north');
    const d = await dr.saveDraft({ patientId: h.f.north.patientIds[0]!, text: NOTE });
    await dr.syncNow({});
    await dr.submitDraft({ draftId: d.id });
    await dr.syncNow({});
    assert.equal((await dr.getNoteReview({ noteId: d.id })).state, 'waiting');
    await worker.runOnce();
    const review = await dr.getNoteReview({ noteId: d.id });
    assert.equal(review.state, 'ready');
    const hash = review.draft!.contentHash;

    const nurse = await station('nurse', h.north2, 'nurse.north', 'north');
    assert.equal((await nurse.getNoteReview({ noteId: d.id })).state, 'ready', 'a nurse reads');
    assert.equal(await code(nurse.approveNote({ noteId: d.id, contentHash: hash })), 'unauthorized');
    assert.equal(await code(nurse.editNoteStatement({ noteId: d.id, section: 'subjective', index: 0, text: 'x' })), 'unauthorized');
    const it = await station('it', h.north1, 'it.admin', 'north');
    assert.equal(await code(it.getNoteReview({ noteId: d.id })), 'unauthorized');
    assert.equal(await code(it.approveNote({ noteId: d.id, contentHash: hash })), 'unauthorized');
    const south = await station('south', h.south1, 'dr.south', 'south');
    assert.equal(await code(south.approveNote({ noteId: d.id, contentHash: hash })), 'not_found');

    proxy.mode = 'down';
    assert.equal(await code(dr.approveNote({ noteId: d.id, contentHash: hash })), 'offline');
    proxy.mode = 'pass';
    assert.equal(await code(dr.approveNote({ noteId: d.id, contentHash: `sha256:${'1'.repeat(64)}` })), 'conflict', 'stale hash');
    const row = await withBranch(h.t.owner, h.f.north.id, admin, (trx) => trx.selectFrom('soap_drafts').select('status').where('note_draft_id', '=', d.id).executeTakeFirstOrThrow());
    assert.equal(row.status, 'ready', 'nothing approved so far');

    // Typed text follows the drafts' rule at the station: a direction override is removed, and the answer says so.
    const overridden = await dr.editNoteStatement({ noteId: d.id, section: 'plan', index: 0, text: 'Continue \u202Eamoxicillin\u202C 1 g orally.' });
    assert.equal(overridden.sections.plan[0]!.review.editedText, 'Continue amoxicillin 1 g orally.');
    assert.deepEqual(overridden.cleaned, { replaced: 0, bidiRemoved: 2 });
    const edited = await dr.editNoteStatement({ noteId: d.id, section: 'plan', index: 0, text: 'Continue amoxicillin 1 g orally three times daily.' });
    assert.equal(edited.cleaned, undefined);
    const approved = await dr.approveNote({ noteId: d.id, contentHash: edited.contentHash });
    assert.equal(approved.status, 'approved');
    assert.equal(await code(dr.removeNoteStatement({ noteId: d.id, section: 'plan', index: 0 })), 'conflict', 'immutable');
    const added = await dr.addNoteAddendum({ noteId: d.id, text: 'Reviewed the chest X-ray.\u2066' });
    assert.deepEqual(added.cleaned, { replaced: 0, bidiRemoved: 1 });
    // The signed draft and its addendum reach the station through the change feed.
    const synced = await dr.syncNow({});
    assert.equal(synced.state, 'online');
    const cached = stations[0]!.store.prepare("SELECT entity FROM cache WHERE entity IN ('soap_draft', 'note_addendum') AND patient_id = ?").pluck().all(h.f.north.patientIds[0]!);
    assert.deepEqual([...new Set(cached)].sort(), ['note_addendum', 'soap_draft']);
    const audit = await nurse.getNoteAudit({ noteId: d.id });
    assert.deepEqual(
      audit.events.map((e) => e.action).filter((a) => a !== 'note.read'),
      ['note.submitted', 'note.ai_draft_generated', 'note.statement_edit', 'note.statement_edit', 'note.approved', 'note.addendum'],
    );
  });

  test('a dictation stays on the station until the server can transcribe it', async () => {
    const dr = await station('dictation', h.north1, 'dr.north', 'north');
    const d = await dr.saveDraft({ patientId: h.f.north.patientIds[1]!, text: 'Typed.' });
    await dr.syncNow({});
    // The harness's server has no speech-to-text provider: the recording is kept, with the reason.
    const r = await dr.dictate({ draftId: d.id, mime: 'audio/webm', audioBase64: Buffer.from('opus').toString('base64') });
    assert.equal(r.pending, 1);
    assert.equal(r.sent, 0);
    assert.match(r.lastError ?? '', /speech-to-text/);
    assert.equal((await dr.sendDictations({})).pending, 1);
  });

  test('a recording made offline reaches its note by itself once a server with speech-to-text answers', async () => {
    // Speech-to-text is a hosted service: a loopback server speaking its OpenAI wire protocol.
    const fake = await startFakeOpenAI(() => transcriptionReply('Chest clear on auscultation.'));
    const { app } = await buildServer({
      db: h.t.app,
      policy: { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 10_000 },
      log: silentLogger,
      transcription: { provider: 'openai', apiKey: 'sk-loopback', model: 'whisper-1', baseURL: `${fake.origin}/v1`, language: null, timeoutMs: 5000, maxRetries: 0, maxRetryAfterMs: 1000, backoffMs: 1 },
    });
    const sttUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const stt = await startProxy(sttUrl);
    const s = createStation({ dataDir: path.join(dir, 'background-dictation'), serverUrl: stt.url, credential: h.north2.credential, autoSync: false, dictationRetryMs: 100 });
    try {
      await s.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
      const patientId = h.f.north.patientIds[2]!;
      const d = await s.handlers.saveDraft({ patientId, text: 'Typed before the round.' });
      await s.handlers.syncNow({});
      stt.mode = 'down';
      // Recorded while the server is unreachable: kept on the station, nobody asks to send it.
      await s.handlers.saveDictation({ patientId, draftId: d.id, mime: 'audio/webm', durationMs: 900, audioBase64: Buffer.from('opus frames').toString('base64') });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await s.handlers.listDictations({ patientId })).dictations[0]!.sentAt, null);
      stt.mode = 'pass';
      // The composer may ask at the same moment as the background sender: still one transcription.
      await Promise.all([s.handlers.sendDictations({}), s.handlers.sendDictations({})]);
      const text = async () => (await withBranch(h.t.owner, h.f.north.id, admin, (trx) => trx.selectFrom('note_drafts').select('text').where('id', '=', d.id).executeTakeFirstOrThrow())).text;
      for (let i = 0; i < 100 && !(await text()).includes('Chest clear'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await text(), 'Typed before the round.\nChest clear on auscultation.');
      assert.ok((await s.handlers.listDictations({ patientId })).dictations[0]!.sentAt, 'marked sent on the station');
      assert.equal(fake.requests.filter((r) => r.path.endsWith('/audio/transcriptions')).length, 1, 'sent once');
    } finally {
      await s.close();
      await stt.close();
      await app.close();
      await fake.close();
    }
  });
});
