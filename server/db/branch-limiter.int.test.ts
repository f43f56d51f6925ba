import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { twoBranches, type TwoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { BranchBusyError, createBranchLimiter, limitBranches } from './branch-limiter';
import { withBranch } from './with-branch';

/*
 * What must hold by construction (the timings are in bench/fairness.ts): a burst in one branch
 * queues in that branch, and another branch's work still gets a connection at once.
 */

describe('per-branch limits on database work', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  const actor = { kind: 'system', id: 'test' } as const;

  before(async () => {
    t = await createTestDatabase({ appPoolSize: 4 });
    f = await twoBranches(t.owner, 1);
  });
  after(() => t.close());

  test("north's burst waits in north's queue; south gets a connection while north's queue is full", async () => {
    const limiter = createBranchLimiter({ perBranch: 2, queueTimeoutMs: 5_000 });
    limitBranches(t.app, limiter);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let northRan = 0;
    const north = Array.from({ length: 6 }, () =>
      withBranch(t.app, f.north.id, actor, async (trx) => {
        northRan++;
        await sql`SELECT 1`.execute(trx);
        await gate; // a long unit of work, holding its connection
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(limiter.load(f.north.id), { running: 2, waiting: 4 });
    assert.equal(northRan, 2, 'only north\'s share of the pool is in use');
    // South is not behind north: its unit of work runs now, on one of the two free connections.
    const southStarted = Date.now();
    const n = await withBranch(t.app, f.south.id, actor, async (trx) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM patients`.execute(trx)).rows[0]!.n);
    assert.equal(n, 1);
    assert.ok(Date.now() - southStarted < 5_000);
    assert.deepEqual(limiter.load(f.south.id), { running: 0, waiting: 0 });
    open();
    await Promise.all(north);
    assert.equal(northRan, 6);
    assert.deepEqual(limiter.load(f.north.id), { running: 0, waiting: 0 });
  });

  test('work that waits past the queue timeout is refused as busy, not left waiting', async () => {
    const limiter = createBranchLimiter({ perBranch: 1, queueTimeoutMs: 100 });
    limitBranches(t.app, limiter);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const holder = withBranch(t.app, f.north.id, actor, () => gate);
    await assert.rejects(withBranch(t.app, f.north.id, actor, async () => 1), BranchBusyError);
    open();
    await holder;
    assert.equal(await withBranch(t.app, f.north.id, actor, async () => 2), 2);
  });
});
