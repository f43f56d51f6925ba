import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';
import { withBranch } from '../db/with-branch';
import { openLive } from './sse-client';
import { draftSave, startSyncHarness, testUuid7, type SyncHarness } from '../testing/sync-harness';

describe('sync: branch B never receives branch A', () => {
  let h: SyncHarness;
  let north: string;
  let south: string;
  const northDraft = randomUUID();
  const secret = `North-only text ${randomUUID()}`;

  before(async () => {
    h = await startSyncHarness();
    north = await h.login('dr.north', 'north', h.north1);
    south = await h.login('dr.south', 'south', h.south1);
    await h.push(h.north1, north, [draftSave(northDraft, h.f.north.patientIds[0]!, secret, 0)]);
    // More than ten south changes, so that pages cross from one digit to two.
    for (let i = 0; i < 3; i++) {
      await h.push(h.south1, south, h.f.south.patientIds.map((p) => draftSave(randomUUID(), p, `south ${i}`, 0)));
    }
  });
  after(() => h.close());

  const northMarkers = () => [secret, northDraft, ...h.f.north.patientIds, 'Nguyễn'];

  test('pull gives the station only its own branch', async () => {
    const all: string[] = [];
    const pulled: string[] = [];
    let cursor = '0';
    for (;;) {
      const page = await h.pull(h.south1, south, cursor, 3);
      all.push(JSON.stringify(page));
      for (const c of page.changes) {
        assert.equal(c.data.branch_id, h.f.south.id);
        // Each change comes after the last, ordered as numbers (never as text).
        assert.ok(BigInt(c.seq) > BigInt(cursor));
        pulled.push(c.seq);
        cursor = c.seq;
      }
      assert.equal(page.cursor, cursor);
      cursor = page.cursor;
      if (!page.more) break;
    }
    // Nothing skipped: the pages hold every change of the branch's feed, in order. (Numbers are
    // no longer dense per branch: they follow the cluster's transaction ids, sql/feed.sql.)
    const feed = await withBranch(h.t.owner, h.f.south.id, { kind: 'admin', id: 'test' }, (trx) =>
      sql<{ seq: string }>`SELECT seq::text AS seq FROM change_feed ORDER BY seq`.execute(trx),
    );
    assert.deepEqual(pulled, feed.rows.map((r) => r.seq));
    const body = all.join('');
    for (const m of northMarkers()) assert.ok(!body.includes(m), 'no north value in south pulls');
    assert.ok(body.includes(h.f.south.patientIds[0]!), 'south data is there');
  });

  test('push answers reveal nothing of the other branch', async () => {
    const r = await h.push(h.south1, south, [
      draftSave(randomUUID(), h.f.north.patientIds[1]!, 'for a north patient', 0),
      { kind: 'draft.resolve', id: testUuid7(), payload: { draftId: northDraft, text: 'x', baseVersion: 1 } },
      { kind: 'draft.submit', id: testUuid7(), payload: { draftId: northDraft, baseVersion: 1 } },
      // The north draft's id at south: a separate draft of south's own, not north's.
      draftSave(northDraft, h.f.south.patientIds[0]!, 'south text', 0),
    ]);
    assert.deepEqual(r.results.map((x) => x.status), ['rejected', 'rejected', 'rejected', 'applied']);
    assert.deepEqual(r.results.slice(0, 3).map((x) => x.status === 'rejected' && x.reason), ['unknown_patient', 'unknown_draft', 'unknown_draft']);
    const body = JSON.stringify(r);
    for (const m of northMarkers().filter((x) => x !== northDraft)) assert.ok(!body.includes(m));
    // north's draft is untouched
    const n = await h.pull(h.north1, north, '0', 5000);
    const d = n.changes.filter((c) => c.id === northDraft).at(-1);
    assert.equal(d?.data.text, secret);
  });

  test('a north session cannot be used with a south station, nor sign in there', async () => {
    const r = await fetch(`${h.url}/api/sync/pull`, { headers: { authorization: `Bearer ${north}`, [STATION_CREDENTIAL_HEADER]: h.south1.credential } });
    // The session was opened at a north station: with any other station's credential it is no session.
    assert.equal(r.status, 401);
    await assert.rejects(h.login('dr.north', 'north', h.south1));
    const noStation = await fetch(`${h.url}/api/sync/pull`, { headers: { authorization: `Bearer ${north}` } });
    assert.equal(noStation.status, 401);
  });

  test('the live channel tells only the branch whose feed moved', async () => {
    const n = await openLive(h.url, h.north1.credential, north);
    const s = await openLive(h.url, h.south1.credential, south);
    try {
      const n0 = await n.next(() => true);
      const s0 = await s.next(() => true);
      await h.push(h.north1, north, [draftSave(randomUUID(), h.f.north.patientIds[2]!, secret, 0)]);
      await n.next((c) => BigInt(c) > BigInt(n0));
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(s.events.map((e) => e.cursor), [s0], 'south heard nothing of north');
      const raw = s.raw.join('');
      for (const m of northMarkers()) assert.ok(!raw.includes(m));
      await h.push(h.south1, south, [draftSave(randomUUID(), h.f.south.patientIds[2]!, 'south', 0)]);
      await s.next((c) => BigInt(c) > BigInt(s0));
    } finally {
      n.close();
      s.close();
    }
  });
});
