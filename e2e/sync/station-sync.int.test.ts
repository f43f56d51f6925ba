import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { generateDemoHospital } from '../../contract/demo/hospital';
import { generateRawNotes } from '../../contract/demo/notes';
import { StationError } from '../../main/core/errors';
import { createStation, type StationCore, type StationOptions } from '../../main/core/station';
import { unsealJson } from '../../main/core/store';
import { startStationHost, stationHostClient } from '../../main/host/http-host';
import { withBranch } from '../../server/db/with-branch';
import { labResultColumns } from '../../server/seed/seed';
import { TEST_PASSWORD } from '../../server/testing/fixtures';
import { startSyncHarness, type StationCreds, type SyncHarness } from '../../server/testing/sync-harness';
import { startProxy, type Proxy } from './proxy';

describe('station and server: sync end to end', () => {
  let h: SyncHarness;
  let proxy: Proxy;
  let dir: string;
  const stations: StationCore[] = [];
  const notes = generateRawNotes({ count: 10, seed: 21 }).map((n) => n.text);
  const admin = { kind: 'admin', id: 'test' } as const;

  before(async () => {
    h = await startSyncHarness(6);
    proxy = await startProxy(h.url);
    dir = mkdtempSync(path.join(tmpdir(), 'station-e2e-'));
    // A few lab results for the ward's chart, from the demo generator.
    const labs = generateDemoHospital({ patientsPerBranch: 2, labsPerPatient: 3 }).labResults.slice(0, 6);
    await withBranch(h.t.owner, h.f.north.id, admin, (trx) =>
      trx
        .insertInto('observations')
        .values(
          labs.map((l, i) => ({
            branch_id: h.f.north.id,
            patient_id: h.f.north.patientIds[i % 2]!,
            ...labResultColumns(l),
          })),
        )
        .execute(),
    );
  });
  after(async () => {
    for (const s of stations) await s.close();
    await proxy.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function station(name: string, creds: StationCreds, extra: Partial<StationOptions> = {}): StationCore {
    const s = createStation({
      dataDir: path.join(dir, name),
      serverUrl: proxy.url,
      credential: creds.credential,
      autoSync: false,
      sync: { backoffBaseMs: 20, backoffMaxMs: 200 },
      ...extra,
    });
    stations.push(s);
    return s;
  }
  const serverDraft = (id: string) =>
    withBranch(h.t.owner, h.f.north.id, admin, (trx) => trx.selectFrom('note_drafts').selectAll().where('id', '=', id).executeTakeFirst());

  test('a connection cut after the server committed loses and duplicates nothing', async () => {
    const a = station('cut', h.north1);
    await a.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
    const d = await a.handlers.saveDraft({ patientId: h.f.north.patientIds[0]!, text: notes[0]! });
    proxy.mode = 'cut-response';
    const cut = await a.handlers.syncNow({});
    proxy.mode = 'pass';
    assert.ok(proxy.cuts > 0);
    assert.equal(cut.state, 'offline');
    assert.equal(cut.pendingItems, 1, 'the station did not hear the answer: the item stays');
    assert.equal((await serverDraft(d.id))?.version, 1, 'the server had committed');
    const ok = await a.handlers.syncNow({});
    assert.equal(ok.state, 'online');
    assert.equal(ok.pendingItems, 0);
    assert.equal(ok.rejectedItems, 0);
    const row = await serverDraft(d.id);
    assert.equal(row?.version, 1, 'applied once');
    assert.equal(row?.text, notes[0]);
    const local = await a.handlers.getDraft({ draftId: d.id });
    assert.equal(local.serverVersion, 1);
    assert.equal(local.pending, 0);
    const muts = await withBranch(h.t.owner, h.f.north.id, admin, (trx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM sync_mutations WHERE result->'draft'->>'id' = ${d.id}`.execute(trx),
    );
    assert.equal(muts.rows[0]?.n, 1);
  });

  test('two stations editing one draft offline end in a visible conflict with both texts', async () => {
    const a = station('conflict-a', h.north1);
    const b = station('conflict-b', h.north2);
    for (const s of [a, b]) await s.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
    const d = await a.handlers.saveDraft({ patientId: h.f.north.patientIds[1]!, text: 'first words' });
    await a.handlers.syncNow({});
    await b.handlers.syncNow({});
    assert.equal((await b.handlers.getDraft({ draftId: d.id })).text, 'first words');

    proxy.mode = 'down';
    await a.handlers.saveDraft({ draftId: d.id, patientId: d.patientId, text: 'first words, then A' });
    await b.handlers.saveDraft({ draftId: d.id, patientId: d.patientId, text: 'first words, then B' });
    assert.equal((await a.handlers.syncNow({})).state, 'offline');
    proxy.mode = 'pass';
    await a.handlers.syncNow({});
    await b.handlers.syncNow({});
    await a.handlers.syncNow({});
    for (const s of [a, b]) {
      const v = await s.handlers.getDraft({ draftId: d.id });
      assert.equal(v.status, 'conflict');
      assert.deepEqual(v.conflictTexts?.map((c) => c.text).sort(), ['first words, then A', 'first words, then B']);
    }
    await b.handlers.resolveConflict({ draftId: d.id, text: 'first words, then A and B' });
    await b.handlers.syncNow({});
    await a.handlers.syncNow({});
    for (const s of [a, b]) {
      const v = await s.handlers.getDraft({ draftId: d.id });
      assert.equal(v.status, 'draft');
      assert.equal(v.text, 'first words, then A and B');
    }
    assert.equal((await serverDraft(d.id))?.status, 'draft');
  });

  test('the ward is readable offline; branch B station gets none of A', async () => {
    const a = station('ward-a', h.north1);
    await a.handlers.signIn({ username: 'nurse.north', password: TEST_PASSWORD, branch: 'north' });
    await a.handlers.syncNow({});
    proxy.mode = 'down';
    try {
      const list = await a.handlers.listPatients({});
      assert.equal(list.patients.length, h.f.north.patientIds.length);
      const chart = await a.handlers.getPatientChart({ patientId: h.f.north.patientIds[0]! });
      assert.ok(chart.observations.length > 0);
    } finally {
      proxy.mode = 'pass';
    }
    const s = station('ward-s', h.south1);
    await s.handlers.signIn({ username: 'dr.south', password: TEST_PASSWORD, branch: 'south' });
    await s.handlers.syncNow({});
    const all = s.store.prepare('SELECT data FROM cache').pluck().all() as string[];
    assert.ok(all.length > 0);
    for (const row of all) assert.equal(unsealJson<{ branch_id: number }>(s.store, row).branch_id, h.f.south.id, 'sealed at rest, and of the branch');
    assert.equal(s.store.prepare('SELECT count(*) FROM drafts').pluck().get(), 0, 'no north drafts at south');
  });

  test('a ward pulled in small pages, each asked for while the last is written, arrives whole and in order', async () => {
    // Each station seals its rows with its own key and a fresh IV: compare what they hold, opened.
    const rows = (st: StationCore) =>
      (st.store.prepare('SELECT entity, id, seq, data FROM cache ORDER BY entity, id').all() as { data: string }[]).map((r) => ({ ...r, data: unsealJson(st.store, r.data) }));
    const ahead = station('pages-ahead', h.north1, { sync: { pullPageSize: 2, pullAhead: true } });
    const serial = station('pages-serial', h.north2, { sync: { pullPageSize: 1000, pullAhead: false } });
    for (const st of [ahead, serial]) {
      await st.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
      await st.handlers.syncNow({});
    }
    assert.ok(rows(ahead).length >= h.f.north.patientIds.length + 6, 'patients and lab results, over many pages');
    assert.deepEqual(rows(ahead), rows(serial));
    assert.equal(ahead.sync.status().cursor, serial.sync.status().cursor);
  });

  test('offline sign-in within the window, lock, and a fast user switch that shows nothing of the last user', async () => {
    const a = station('session', h.north1);
    await a.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
    const mine = await a.handlers.saveDraft({ patientId: h.f.north.patientIds[2]!, text: 'private words' });
    await a.handlers.lock({});
    await assert.rejects(a.handlers.listDrafts({}), (e: StationError) => e.code === 'locked');
    await assert.rejects(a.handlers.unlock({ password: 'wrong password' }), (e: StationError) => e.code === 'unauthorized');
    await a.handlers.unlock({ password: TEST_PASSWORD });
    assert.equal((await a.handlers.listDrafts({})).drafts.length, 1);

    // Fast switch: the nurse signs in on the same station.
    await a.handlers.lock({});
    const st = await a.handlers.signIn({ username: 'nurse.north', password: TEST_PASSWORD, branch: 'north' });
    assert.equal(st.user?.username, 'nurse.north');
    assert.deepEqual((await a.handlers.listDrafts({})).drafts, []);
    await assert.rejects(a.handlers.getDraft({ draftId: mine.id }), (e: StationError) => e.code === 'not_found');
    assert.deepEqual((await a.handlers.listRejected({})).items, []);
    // The physician's unsent work still leaves with their own session.
    assert.equal((await a.handlers.syncNow({})).pendingItems, 0);
    assert.equal((await serverDraft(mine.id))?.text, 'private words');

    // The server is unreachable: the physician signs in offline with the local verifier.
    proxy.mode = 'down';
    try {
      const off = await a.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
      assert.equal(off.mode, 'offline');
      assert.equal((await a.handlers.listDrafts({})).drafts[0]?.text, 'private words');
      await assert.rejects(a.handlers.signIn({ username: 'dr.north', password: 'not the password', branch: 'north' }));
      await assert.rejects(a.handlers.signIn({ username: 'dr.south', password: TEST_PASSWORD, branch: 'south' }));
      await a.handlers.saveDraft({ draftId: mine.id, patientId: mine.patientId, text: 'private words, offline' });
    } finally {
      proxy.mode = 'pass';
    }
    // Back online: the work written offline syncs with the session sealed at the online sign-in.
    assert.equal((await a.handlers.syncNow({})).pendingItems, 0);
    assert.equal((await serverDraft(mine.id))?.text, 'private words, offline');

    // IT's window: with 0 hours, offline sign-in is refused.
    const b = station('session-expired', h.north2, { offlineUnlockHours: 0 });
    await b.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
    await b.handlers.signOut({});
    proxy.mode = 'down';
    try {
      await assert.rejects(b.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' }), (e: StationError) => e.code === 'offline');
    } finally {
      proxy.mode = 'pass';
    }
  });

  test('a station hears another station\'s change through the live channel', async () => {
    const a = station('live-a', h.north1, { autoSync: true, sync: { pullIntervalMs: 60_000 } });
    const b = station('live-b', h.north2);
    await a.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
    await b.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
    await a.handlers.syncNow({});
    await new Promise((r) => setTimeout(r, 200)); // the live stream is open
    const d = await b.handlers.saveDraft({ patientId: h.f.north.patientIds[3]!, text: 'seen at once' });
    await b.handlers.syncNow({});
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      const found = (await a.handlers.listDrafts({})).drafts.find((x) => x.id === d.id);
      if (found) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail('station A did not hear of the change');
  });

  test('the loopback host serves the station API behind its per-launch secret', async () => {
    const s = station('host', h.north1);
    const host = await startStationHost(s.handlers);
    try {
      const wrong = await fetch(`${host.url}/api/status`, { method: 'POST', headers: { 'x-station-secret': 'nope' }, body: '{}' });
      assert.equal(wrong.status, 401);
      const api = stationHostClient(host.url, host.secret);
      await assert.rejects(api.listDrafts({}), (e: StationError) => e.code === 'unauthorized');
      const st = await api.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
      assert.equal(st.user?.username, 'dr.north');
      const bad = await fetch(`${host.url}/api/saveDraft`, {
        method: 'POST',
        headers: { 'x-station-secret': host.secret, 'content-type': 'application/json' },
        body: JSON.stringify({ patientId: 'not-a-uuid', text: 'x' }),
      });
      assert.equal(bad.status, 400);
      const d = await api.saveDraft({ patientId: h.f.north.patientIds[4]!, text: 'through the host' });
      assert.equal((await api.syncNow({})).pendingItems, 0);
      assert.equal((await serverDraft(d.id))?.text, 'through the host');
      assert.ok((await api.listPatients({ q: "o'b" })).patients.length >= 1);
    } finally {
      await host.close();
    }
  });
});
