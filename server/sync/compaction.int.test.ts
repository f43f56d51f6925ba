import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { generateDemoHospital } from '../../contract/demo/hospital';
import { parsePullRows, type PullResponse } from '../../contract/sync';
import { withBranch, type BranchTransaction } from '../db/with-branch';
import { labResultColumns } from '../seed/seed';
import { twoBranches, type TwoBranches } from '../testing/fixtures';
import { startServerProcess } from '../testing/server-process';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { compactBranch } from './compact';
import { pullChanges, pullChangesRows, pullRowsAnswer, type FeedReader } from './pull';

/*
 * Feed compaction (sql/feed.sql: change_feed_compact) removes the older feed rows of an entity
 * the feed holds a newer row of. What must hold: every puller, wherever its cursor, still ends
 * with every entity's newest state (the no-miss guarantee, now on states rather than on every
 * intermediate change); rows not yet below the horizon are neither removed nor used to remove;
 * another branch is untouched; drafts stay private; the app role cannot delete feed rows itself.
 */
describe('change feed compaction', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  const labs = generateDemoHospital({ patientsPerBranch: 4 }).labResults;
  const actor = { kind: 'system', id: 'compaction-test' } as const;
  const admin = { kind: 'admin', id: 'compaction-test' } as const;
  const READER: FeedReader = { userId: 0 };

  before(async () => {
    t = await createTestDatabase({ appPoolSize: 12 });
    f = await twoBranches(t.owner, 3);
  });
  after(() => t.close());

  const addLabs = (branch: { id: number; patientIds: string[] }, n: number) =>
    withBranch(t.app, branch.id, actor, async (trx) => {
      const ids = Array.from({ length: n }, () => randomUUID());
      await trx
        .insertInto('observations')
        .values(ids.map((id, i) => ({ id, branch_id: branch.id, patient_id: branch.patientIds[i % branch.patientIds.length]!, ...labResultColumns(labs[i % labs.length]!) })))
        .execute();
      return ids;
    });
  const setValue = (trx: BranchTransaction, id: string, value: number) => sql`UPDATE observations SET value_num = ${value} WHERE id = ${id}::uuid`.execute(trx);
  const feedRows = (branchId: number) =>
    withBranch(t.owner, branchId, admin, async (trx) =>
      (await sql<{ seq: string; entity_id: string; value: string | null }>`
        SELECT seq::text, entity_id::text, data->>'value_num' AS value FROM change_feed ORDER BY seq`.execute(trx)).rows);
  /** Rows one compaction of the branch removed. */
  const compact = async (branchId: number, options?: { window?: number; maxWindows?: number }) => (await compactBranch(t.app, branchId, options)).removed;
  /** A north writer that writes `first`, stays open until released, then writes `then` and commits. */
  const heldWriter = (first: (trx: BranchTransaction) => Promise<unknown>, then?: (trx: BranchTransaction) => Promise<unknown>) => {
    let written!: () => void;
    let release!: () => void;
    const isWritten = new Promise<void>((r) => (written = r));
    const released = new Promise<void>((r) => (release = r));
    const done = withBranch(t.app, f.north.id, actor, async (trx) => {
      await first(trx);
      written();
      await released;
      await then?.(trx);
    });
    return { written: isWritten, release, done };
  };
  /** Every change after `cursor`, page by page, as a station applies them: the newest data per entity wins. */
  const pullAll = async (branchId: number, cursor: string, reader: FeedReader, state = new Map<string, Record<string, unknown>>()) => {
    let pages = 0;
    for (;;) {
      const page: PullResponse = await withBranch(t.app, branchId, actor, async (trx) => {
        if (pages++ % 2 === 0) return pullChanges(trx, cursor, 37, reader);
        const rows = parsePullRows(pullRowsAnswer(await pullChangesRows(trx, cursor, 37, reader), null));
        return { changes: rows.rows.map((r) => ({ seq: r.seq, entity: r.entity, id: r.id, data: JSON.parse(r.data) as Record<string, unknown> })), cursor: rows.cursor, more: rows.more };
      });
      for (const c of page.changes) {
        assert.ok(BigInt(c.seq) > BigInt(cursor), 'the cursor only moves forward');
        state.set(c.id, c.data);
      }
      cursor = page.cursor;
      if (!page.more) return { state, cursor };
    }
  };

  test("keeps each entity's newest row, removes its older ones, and leaves another branch alone", async () => {
    const [a, b] = await addLabs(f.north, 2);
    const [s] = await addLabs(f.south, 1);
    for (const v of [1, 2, 3]) await withBranch(t.app, f.north.id, actor, (trx) => setValue(trx, a!, v));
    await withBranch(t.app, f.south.id, actor, (trx) => setValue(trx, s!, 9));
    const before = await feedRows(f.north.id);
    assert.equal(before.filter((r) => r.entity_id === a).length, 4, 'the insert and three updates of a');

    // One row per window: every window boundary falls between two rows of a.
    const removed = await compact(f.north.id, { window: 1, maxWindows: 1000 });
    assert.ok(removed >= 3, `removed ${removed}`);
    const after = await feedRows(f.north.id);
    const ofA = after.filter((r) => r.entity_id === a);
    assert.equal(ofA.length, 1, 'one row of a is left');
    assert.equal(ofA[0]!.seq, before.filter((r) => r.entity_id === a).at(-1)!.seq, 'the newest one');
    assert.equal(Number(ofA[0]!.value), 3);
    assert.equal(after.filter((r) => r.entity_id === b).length, 1, 'an entity written once keeps its row');
    assert.deepEqual(
      new Set(after.map((r) => r.entity_id)),
      new Set(before.map((r) => r.entity_id)),
      'every entity still has its row',
    );
    assert.equal((await feedRows(f.south.id)).filter((r) => r.entity_id === s).length, 2, 'south: not compacted by north');

    // A station bootstrapping now reads each entity once, in its newest state.
    const { state } = await pullAll(f.north.id, '0', READER);
    assert.equal(Number(state.get(a!)?.value_num), 3);
    assert.equal(await compact(f.north.id), 0, 'nothing left to remove');
  });

  test('a row not yet below the horizon is neither removed nor used to remove', async () => {
    const [held, later] = await addLabs(f.north, 2);
    await compact(f.north.id);
    // A writer that stays open holds the horizon below its own feed number.
    const open = heldWriter((trx) => setValue(trx, held!, 7));
    await open.written;
    try {
      // Committed after the open writer began: its number is above the horizon too.
      await withBranch(t.app, f.north.id, actor, (trx) => setValue(trx, later!, 8));
      await compact(f.north.id);
      const rows = await feedRows(f.north.id);
      assert.equal(rows.filter((r) => r.entity_id === later).length, 2, 'the older row stays while the newer one is above the horizon');
    } finally {
      open.release();
      await open.done;
    }
    await compact(f.north.id);
    const rows = await feedRows(f.north.id);
    assert.equal(rows.filter((r) => r.entity_id === later).length, 1);
    assert.equal(rows.filter((r) => r.entity_id === held).length, 1);
    assert.equal(Number(rows.find((r) => r.entity_id === held)!.value), 7);
  });

  test("under concurrent writers, pullers and compactions, every puller ends with every entity's newest state", async () => {
    const branch = f.north;
    const ids = await addLabs(branch, 40);
    const start = (await withBranch(t.app, branch.id, actor, (trx) => pullChanges(trx, '0', 100000, READER))).cursor;
    let stop = false;
    let n = 0;
    let compacted = 0;
    const writer = async () => {
      while (!stop) {
        const k = n++;
        try {
          // One row per transaction: two writers of one row then commit in the order of their
          // feed numbers (the test below meets the other case).
          await withBranch(t.app, branch.id, actor, async (trx) => {
            await setValue(trx, ids[(k * 7) % ids.length]!, k);
            await sql`SELECT pg_sleep(${Math.random() * 0.004})`.execute(trx);
            if (k % 11 === 0) throw new Error('rolled back on purpose');
          });
        } catch (e) {
          if ((e as Error).message !== 'rolled back on purpose') throw e;
        }
      }
    };
    const compactor = async () => {
      // Small windows, so that many windows and their boundaries meet the pullers.
      while (!stop) compacted += await compact(branch.id, { window: 25, maxWindows: 3 });
    };
    const puller = async () => {
      const state = new Map<string, Record<string, unknown>>();
      let cursor = start;
      while (!stop) cursor = (await pullAll(branch.id, cursor, READER, state)).cursor;
      return { state, cursor };
    };
    const pullers = Array.from({ length: 3 }, puller);
    const writers = Array.from({ length: 4 }, writer);
    const compactors = [compactor()];
    const started = Date.now();
    while (Date.now() - started < 3000 || ((n < 150 || compacted === 0) && Date.now() - started < 20_000)) await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await Promise.all([...writers, ...compactors]);
    assert.ok(compacted > 0, `the compactor removed rows while the others ran (${compacted})`);
    // Once more over everything the writers left, in small windows.
    await compact(branch.id, { window: 25, maxWindows: 1000 });
    const truth = await withBranch(t.owner, branch.id, admin, async (trx) =>
      new Map((await sql<{ id: string; value: number | null }>`SELECT id::text, value_num::float8 AS value FROM observations`.execute(trx)).rows.map((r) => [r.id, r.value])),
    );
    for (const p of await Promise.all(pullers)) {
      // After the writers stopped: whatever was committed last.
      const { state } = await pullAll(branch.id, p.cursor, READER, p.state);
      for (const id of ids) assert.equal(Number(state.get(id)?.value_num), truth.get(id), `observation ${id}: the newest value`);
    }
    // And a station starting from nothing, after all of it.
    const fresh = (await pullAll(branch.id, '0', READER)).state;
    for (const id of ids) assert.equal(Number(fresh.get(id)?.value_num), truth.get(id));
  });

  test('the keeper is the row holding the present state, even when a later feed number holds an older one; a station that applied that one last receives the present state again', async () => {
    const [x, e] = await addLabs(f.north, 2);
    // A takes its transaction id (and so its feed numbers) with a first write, then waits.
    // A station that follows the feed, from before both writes.
    const follower = await pullAll(f.north.id, (await pullAll(f.north.id, '0', READER)).cursor, READER);
    const a = heldWriter((trx) => setValue(trx, x!, 1), (trx) => setValue(trx, e!, 100));
    await a.written;
    // B, numbered after A, writes e and commits first; A writes e last: e is 100 now.
    await withBranch(t.app, f.north.id, actor, (trx) => setValue(trx, e!, 50));
    a.release();
    await a.done;
    const ofE = (await feedRows(f.north.id)).filter((r) => r.entity_id === e);
    assert.equal(ofE.length, 3);
    assert.deepEqual(ofE.slice(1).map((r) => Number(r.value)), [100, 50], "the feed numbers A's write (the present state) below B's");
    const followed = await pullAll(f.north.id, follower.cursor, READER, follower.state);
    assert.equal(Number(followed.state.get(e!)?.value_num), 50, 'the follower applied the later-numbered, older state last');

    await compact(f.north.id);
    const left = (await feedRows(f.north.id)).filter((r) => r.entity_id === e);
    assert.deepEqual(left.map((r) => Number(r.value)), [100], 'one row of e is left: the present state');
    assert.ok(BigInt(left[0]!.seq) > BigInt(ofE[2]!.seq), 'appended again, numbered after the older state');
    assert.equal(Number((await pullAll(f.north.id, followed.cursor, READER, followed.state)).state.get(e!)?.value_num), 100, 'the follower receives the present state again');
    assert.equal(Number((await pullAll(f.north.id, '0', READER)).state.get(e!)?.value_num), 100, 'a new station gets the present state');
    assert.equal(await compact(f.north.id), 0, 'appended once: the next round finds nothing to do');
  });

  test('a draft stays its author\'s: compaction leaves the newest private row, which other readers never receive', async () => {
    const users = await t.owner.selectFrom('users').select(['id', 'username']).where('username', 'in', ['dr.north', 'nurse.north']).execute();
    const author = users.find((u) => u.username === 'dr.north')!.id;
    const other = users.find((u) => u.username === 'nurse.north')!.id;
    const draft = randomUUID();
    await withBranch(t.owner, f.north.id, admin, (trx) =>
      trx.insertInto('note_drafts').values({ branch_id: f.north.id, id: draft, patient_id: f.north.patientIds[0]!, author_user_id: author, text: 'v1' }).execute(),
    );
    for (const text of ['v2', 'v3']) await withBranch(t.owner, f.north.id, admin, (trx) => sql`UPDATE note_drafts SET text = ${text}, version = version + 1 WHERE id = ${draft}::uuid`.execute(trx));
    await compact(f.north.id);
    assert.equal((await feedRows(f.north.id)).filter((r) => r.entity_id === draft).length, 1);
    assert.equal((await pullAll(f.north.id, '0', { userId: author })).state.get(draft)?.text, 'v3');
    assert.equal((await pullAll(f.north.id, '0', { userId: other })).state.has(draft), false);
  });

  test('the app role cannot delete feed rows itself, nor compact without a branch', async () => {
    await assert.rejects(
      withBranch(t.app, f.north.id, actor, (trx) => sql`DELETE FROM change_feed`.execute(trx)),
      (e: { code?: string }) => e.code === '42501',
    );
    await assert.rejects(sql`SELECT * FROM change_feed_compact(10)`.execute(t.app), /needs the transaction's branch/);
  });

  test('a running server compacts every branch on its interval (FEED_COMPACTION_MINUTES)', async () => {
    const [x] = await addLabs(f.south, 1);
    for (const v of [1, 2]) await withBranch(t.app, f.south.id, actor, (trx) => setValue(trx, x!, v));
    const rowsOfX = async () => (await feedRows(f.south.id)).filter((r) => r.entity_id === x).length;
    assert.equal(await rowsOfX(), 3);
    const server = await startServerProcess({ databaseUrl: t.appUrl, env: { FEED_COMPACTION_MINUTES: '0.005' } });
    try {
      const deadline = Date.now() + 60_000;
      while ((await rowsOfX()) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await rowsOfX(), 1, 'compacted by the server within a minute');
    } finally {
      await server.stop();
    }
  });
});
