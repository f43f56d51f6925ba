import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createStation, type StationCore } from '../../main/core/station';
import { seal, unseal } from '../../main/core/store';
import { withBranch } from '../../server/db/with-branch';
import { TEST_PASSWORD } from '../../server/testing/fixtures';
import { startSyncHarness, type StationCreds, type SyncHarness } from '../../server/testing/sync-harness';

/*
 * One bad item cannot stop a shared station's sync (issue: half an emoji in one user's draft
 * made the server answer the whole batch 500 and the station retry it forever, so nobody's
 * drafts left and pulls stopped).
 */

const LONE = '\uD83D'; // the first half of 😀, as a truncated paste leaves it

/** A server in front of the real one that, like the old server, fails any push holding `marker` with a 500. */
async function failingFront(target: string, marker: string, hangPulls = false): Promise<{ url: string; pushes: number; close(): Promise<void> }> {
  const state = { url: '', pushes: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/api/sync/push') state.pushes++;
      if (hangPulls && req.url?.startsWith('/api/sync/pull')) return; // never answers, like a server stuck mid-bootstrap
      if (req.url === '/api/sync/push' && body.includes(marker)) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"internal","message":"internal error"}}');
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
      void fetch(`${target}${req.url}`, { method: req.method ?? 'GET', headers, ...(body.length ? { body } : {}) })
        .then(async (r) => res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await r.arrayBuffer())))
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return state;
}

describe('sync: a poison item holds up nothing but itself', () => {
  let h: SyncHarness;
  let dir: string;
  const stations: StationCore[] = [];
  const admin = { kind: 'admin', id: 'test' } as const;

  before(async () => {
    h = await startSyncHarness(6);
    dir = mkdtempSync(path.join(tmpdir(), 'station-poison-'));
  });
  after(async () => {
    for (const s of stations) await s.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function station(name: string, creds: StationCreds, serverUrl = h.url): StationCore {
    const s = createStation({ dataDir: path.join(dir, name), serverUrl, credential: creds.credential, autoSync: false, sync: { backoffBaseMs: 20, backoffMaxMs: 200 } });
    stations.push(s);
    return s;
  }
  const serverText = async (id: string) =>
    (await withBranch(h.t.owner, h.f.north.id, admin, (trx) => trx.selectFrom('note_drafts').select('text').where('id', '=', id).executeTakeFirst()))?.text;

  /** Puts half an emoji into a queued draft, as a station from before the text rule would have stored it. */
  function poison(s: StationCore, draftId: string): void {
    const row = s.store.prepare("SELECT id, body FROM outbox WHERE draft_id = ? AND state = 'pending'").get(draftId) as { id: string; body: string };
    // The outbox body is sealed at rest (main/core/seal.ts): unseal, tamper, seal again.
    const m = JSON.parse(unseal(s.store, row.body)) as { payload: { text: string } };
    m.payload.text = `Pain 7/10 ${LONE} after the fall`;
    s.store.prepare('UPDATE outbox SET body = ? WHERE id = ?').run(seal(s.store, JSON.stringify(m)), row.id);
  }

  test("one user's draft with half an emoji: the other drafts sync, pulls go on, the bad one is set aside with its reason", async () => {
    const a = station('shared', h.north1);
    await a.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
    const before = await a.handlers.saveDraft({ patientId: h.f.north.patientIds[0]!, text: 'Reviewed on the ward round.' });
    const bad = await a.handlers.saveDraft({ patientId: h.f.north.patientIds[1]!, text: 'placeholder' });
    poison(a, bad.id);
    const afterBad = await a.handlers.saveDraft({ patientId: h.f.north.patientIds[2]!, text: 'Plan: repeat bloods in the morning.' });
    // The nurse takes over the shared station (fast switch) and writes too.
    await a.handlers.lock({});
    await a.handlers.signIn({ username: 'nurse.north', password: TEST_PASSWORD, branch: 'north' });
    const nurse = await a.handlers.saveDraft({ patientId: h.f.north.patientIds[3]!, text: 'Obs stable overnight.' });
    // Another station writes in the ward meanwhile: this station must still hear it.
    const b = station('other', h.north2);
    await b.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
    await b.handlers.saveDraft({ patientId: h.f.north.patientIds[4]!, text: 'Seen in clinic.' });
    const bSt = await b.handlers.syncNow({});
    assert.equal(bSt.pendingItems, 0);

    const st = await a.handlers.syncNow({});
    assert.equal(st.state, 'online');
    assert.equal(st.pendingItems, 0);
    assert.equal(st.rejectedItems, 1);
    assert.equal(await serverText(before.id), 'Reviewed on the ward round.');
    assert.equal(await serverText(afterBad.id), 'Plan: repeat bloods in the morning.');
    assert.equal(await serverText(nurse.id), 'Obs stable overnight.');
    assert.equal(await serverText(bad.id), undefined, 'nothing of the bad draft is stored');
    assert.ok(BigInt(st.cursor) >= BigInt(bSt.cursor), 'the pull went on past the other station\'s change');

    // The physician sees the set-aside item with the field and what is wrong with it.
    await a.handlers.lock({});
    await a.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
    const rejected = (await a.handlers.listRejected({})).items;
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.draftId, bad.id);
    assert.match(rejected[0]!.reason, /^invalid: payload\.text contains half of a character/);
  });

  test('a batch the server fails on as a whole, again and again, is halved until the bad item is alone', async () => {
    const front = await failingFront(h.url, 'POISON-500');
    try {
      const s = station('bisect', h.north2, front.url);
      await s.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
      const ids: string[] = [];
      for (let i = 0; i < 9; i++) {
        const text = i === 5 ? 'this one trips the server: POISON-500' : `Note ${i}: afebrile, eating and drinking.`;
        ids.push((await s.handlers.saveDraft({ patientId: h.f.north.patientIds[i % 6]!, text })).id);
      }
      // The first rounds fail as a whole (a transient failure is retried, not set aside)...
      let st = await s.handlers.syncNow({});
      assert.equal(st.state, 'degraded');
      assert.equal(st.pendingItems, 9);
      assert.equal(st.rejectedItems, 0);
      assert.notEqual(st.cursor, '0', 'a failing push does not stop the pull');
      st = await s.handlers.syncNow({});
      assert.equal(st.pendingItems, 9);
      // ...the third failure of the same batch halves it: everything but the bad item leaves.
      st = await s.handlers.syncNow({});
      assert.equal(st.pendingItems, 0);
      assert.equal(st.rejectedItems, 1);
      for (const [i, id] of ids.entries()) {
        if (i === 5) assert.equal(await serverText(id), undefined);
        else assert.equal(await serverText(id), `Note ${i}: afebrile, eating and drinking.`);
      }
      const rejected = (await s.handlers.listRejected({})).items;
      assert.deepEqual(rejected.map((r) => [r.draftId, r.reason]), [[ids[5], 'server_error']]);
      // Halving is logarithmic: 3 whole-batch tries, then at most 2·⌈log2 9⌉ + 1 more.
      assert.ok(front.pushes <= 3 + 2 * 4 + 1, `${front.pushes} pushes`);
      // The next round is clean and fast: nothing is left to retry.
      st = await s.handlers.syncNow({});
      assert.equal(st.state, 'online');
    } finally {
      await front.close();
    }
  });

  test('a station shuts down within 5 s while its sync round waits on the server', async () => {
    const front = await failingFront(h.url, 'never-present', true);
    try {
      const s = createStation({ dataDir: path.join(dir, 'shutdown'), serverUrl: front.url, credential: h.north1.credential, autoSync: false });
      await s.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
      const round = s.handlers.syncNow({});
      await new Promise((r) => setTimeout(r, 500)); // the round is now waiting on its pull
      const t0 = Date.now();
      await s.close();
      assert.ok(Date.now() - t0 < 5000, `closed in ${Date.now() - t0} ms`);
      await round.catch(() => {});
    } finally {
      await front.close().catch(() => {});
    }
  });
});
