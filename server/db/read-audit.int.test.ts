import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { recordReadAudit } from '../audit/record';
import { verifyAuditChains } from '../audit/verify';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches, type TwoBranches } from '../testing/fixtures';
import { ReadAuditError, readAuditBatcherOf } from './read-audit';
import { asSystemDb } from './system-db';
import { withBranch } from './with-branch';

const actor = { kind: 'client', id: 'lab-9' } as const;
// The chain trigger's advisory lock (migration 2026-11-25T0300-audit): holding it stalls a branch's batch.
const CHAIN_LOCK = 734001;

describe('read audit group commit', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  before(async () => {
    t = await createTestDatabase({ appPoolSize: 8 });
    f = await twoBranches(t.owner, 2);
  });
  after(() => t.close());

  const read = (action: string, answer: string, patientId?: string) =>
    withBranch(t.app, f.north.id, actor, async (trx) => {
      await trx.selectFrom('patients').select('id').execute();
      recordReadAudit(trx, actor, { action, ...(patientId ? { patientId } : {}) });
      return answer;
    });
  const rows = (action: string) =>
    withBranch(t.owner, f.north.id, { kind: 'admin', id: 't' }, (trx) =>
      sql<{ xmin: string; actor_id: string }>`SELECT xmin::text AS xmin, actor_id FROM audit_events WHERE action = ${action}`.execute(trx),
    ).then((r) => r.rows);

  /** Runs `first`, then queues `rest` behind its batch (held on the chain's lock), then lets them all go. */
  async function behindOneBatch<T>(first: () => Promise<T>, rest: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = t.owner.connection().execute(async (conn) => {
      await sql`BEGIN`.execute(conn);
      await sql`SELECT pg_advisory_xact_lock(${CHAIN_LOCK}, ${f.north.id})`.execute(conn);
      locked();
      await released;
      await sql`COMMIT`.execute(conn);
    });
    await isLocked;
    const all = [first()];
    // The first read's batch is running (blocked on the lock): the next ones wait for the next batch.
    while (readAuditBatcherOf(t.app).queued(f.north.id) !== 0 || (await lockWaiters()) === 0) await sleep(10);
    all.push(...rest.map((r) => r()));
    while (readAuditBatcherOf(t.app).queued(f.north.id) < rest.length) await sleep(10);
    release();
    await holder;
    return Promise.allSettled(all);
  }
  const lockWaiters = async () =>
    Number(
      (
        await sql<{ n: string }>`
          SELECT count(*) AS n FROM pg_locks
           WHERE locktype = 'advisory' AND NOT granted AND classid = ${CHAIN_LOCK} AND objid = ${f.north.id} AND objsubid = 2
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(t.owner)
      ).rows[0]!.n,
    );

  test('the rows of concurrent reads are appended in one transaction, each its own row, the chain intact', async () => {
    const settled = await behindOneBatch(
      () => read('test.group', 'first'),
      Array.from({ length: 10 }, (_, i) => () => read('test.group', `r${i}`)),
    );
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : 'rejected')),
      ['first', ...Array.from({ length: 10 }, (_, i) => `r${i}`)],
    );
    const got = await rows('test.group');
    assert.equal(got.length, 11, 'one row per read');
    assert.ok(got.every((r) => r.actor_id === 'lab-9'), 'each row carries the reading actor');
    assert.equal(new Set(got.map((r) => r.xmin)).size, 2, 'the first read\'s batch, then one batch for the ten queued behind it');
    for (const r of await verifyAuditChains(asSystemDb(t.owner))) assert.equal(r.firstBroken, null, r.branchCode);
  });

  test('a batch that fails fails every read in it with a clear error, never its answer, and writes none of its rows', async () => {
    const settled = await behindOneBatch(
      () => read('test.fail-first', 'first'),
      [
        () => read('test.fail-batch', 'answer-1'),
        // A patient id that is not a uuid: its audit_append fails, and the whole batch with it.
        () => read('test.fail-batch', 'answer-2', 'not-a-uuid'),
        () => read('test.fail-batch', 'answer-3'),
      ],
    );
    assert.equal(settled[0]!.status, 'fulfilled', 'the batch before it is not affected');
    for (const s of settled.slice(1)) {
      assert.equal(s.status, 'rejected', 'no answer without its audit row');
      const reason = (s as PromiseRejectedResult).reason as unknown;
      assert.ok(reason instanceof ReadAuditError, String(reason));
      assert.match(reason.message, /could not be audited, so its answer is withheld/);
    }
    assert.equal((await rows('test.fail-first')).length, 1);
    assert.equal((await rows('test.fail-batch')).length, 0, 'the failed batch wrote nothing');
    // The branch's reads go on: the next batch commits.
    assert.equal(await read('test.after-failure', 'ok'), 'ok');
    assert.equal((await rows('test.after-failure')).length, 1);
    for (const r of await verifyAuditChains(asSystemDb(t.owner))) assert.equal(r.firstBroken, null, r.branchCode);
  });
});
