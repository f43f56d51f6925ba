import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { asSystemDb } from '../db/system-db';
import { withBranch } from '../db/with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches, type TwoBranches } from '../testing/fixtures';
import { recordReadAudit } from './record';
import { verifyAuditChains } from './verify';

const actor = { kind: 'client', id: 'lab-7' } as const;

describe('read audit rows: in the unit of work\'s branch, on disk before the answer', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  before(async () => {
    t = await createTestDatabase({ appPoolSize: 8 });
    f = await twoBranches(t.owner, 2);
  });
  after(() => t.close());

  const rows = (branch: number, action: string) =>
    withBranch(t.owner, branch, { kind: 'admin', id: 't' }, (trx) =>
      trx.selectFrom('audit_events').select(['actor_kind', 'actor_id', 'entity_type', 'entity_id', 'patient_id', 'detail']).where('action', '=', action).execute(),
    );

  test('the row lands in the unit of work\'s branch with its values exactly, quotes and backslashes included', async () => {
    const patient = randomUUID();
    const odd = `O'Brien\\'); DROP TABLE audit_events; --`;
    await withBranch(t.app, f.north.id, actor, async (trx) => {
      await trx.selectFrom('patients').select('id').execute();
      recordReadAudit(trx, actor, { action: 'test.read', entityType: 'Patient', entityId: odd, patientId: patient, detail: { ids: [odd], count: 2 } });
    });
    const got = await rows(f.north.id, 'test.read');
    assert.equal(got.length, 1);
    assert.deepEqual(got[0], { actor_kind: 'client', actor_id: 'lab-7', entity_type: 'Patient', entity_id: odd, patient_id: patient, detail: { ids: [odd], count: 2 } });
    assert.equal((await rows(f.south.id, 'test.read')).length, 0, 'not in the other branch');
  });

  test('a unit of work that fails writes no read-audit row', async () => {
    await assert.rejects(
      withBranch(t.app, f.north.id, actor, async (trx) => {
        recordReadAudit(trx, actor, { action: 'test.failed' });
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal((await rows(f.north.id, 'test.failed')).length, 0);
  });

  test('concurrent read audits keep each branch\'s chain intact', async () => {
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        withBranch(t.app, i % 2 ? f.north.id : f.south.id, actor, async (trx) => {
          recordReadAudit(trx, actor, { action: 'test.many', detail: { i } });
        }),
      ),
    );
    for (const r of await verifyAuditChains(asSystemDb(t.owner))) assert.equal(r.firstBroken, null, r.branchCode);
    assert.equal((await rows(f.north.id, 'test.many')).length + (await rows(f.south.id, 'test.many')).length, 60);
  });

  test('a read-only unit of work returns only after its audit row is on disk (the commit waited for the WAL flush)', async () => {
    // Before the unit of work: where WAL ends. After it returned: the WAL flushed to disk must
    // reach past that point, since the audit row's commit record was written after it. A commit
    // that did not wait for the disk would leave it behind (but for an unrelated flush in between,
    // hence five rounds).
    const lsn = async (what: 'insert' | 'flush') =>
      (await sql<{ at: string }>`SELECT ${sql.raw(`pg_current_wal_${what}_lsn()`)}::text AS at`.execute(t.owner)).rows[0]!.at;
    for (let i = 0; i < 5; i++) {
      const before = await lsn('insert');
      await withBranch(t.app, f.north.id, actor, async (trx) => {
        await trx.selectFrom('patients').select('id').execute();
        recordReadAudit(trx, actor, { action: 'test.durable', detail: { i } });
      });
      const flushed = await lsn('flush');
      const behind = (await sql<{ behind: boolean }>`SELECT ${flushed}::pg_lsn <= ${before}::pg_lsn AS behind`.execute(t.owner)).rows[0]!.behind;
      assert.equal(behind, false, `WAL flushed to ${flushed}, not past ${before}`);
    }
  });
});
