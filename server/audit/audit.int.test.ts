import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { withBranch } from '../db/with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches, type TwoBranches } from '../testing/fixtures';
import { recordAudit } from './record';
import { verifyAuditChains } from './verify';
import { asSystemDb } from '../db/system-db';

const actor = { kind: 'user', id: '7' } as const;

describe('audit trail', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 2);
    // Concurrent writers in both branches: the per-branch chain must still be one line.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        withBranch(t.app, i % 2 ? f.north.id : f.south.id, actor, (trx) =>
          recordAudit(trx, actor, { action: 'patient.read', entityType: 'patient', entityId: String(i), detail: { i } }),
        ),
      ),
    );
  });
  after(() => t.close());

  test('chains are intact after concurrent appends', async () => {
    const reports = await verifyAuditChains(asSystemDb(t.owner));
    assert.equal(reports.length, 2);
    for (const r of reports) {
      assert.equal(r.firstBroken, null, `${r.branchCode}: ${JSON.stringify(r.firstBroken)}`);
      assert.ok(r.rows >= 20);
    }
  });

  test('an audit row lands only in the chain of the transaction\'s branch and stays invisible to the other', async () => {
    await withBranch(t.app, f.north.id, actor, (trx) => recordAudit(trx, actor, { action: 'marker.north' }));
    const seenFromSouth = await withBranch(t.app, f.south.id, actor, (trx) =>
      trx.selectFrom('audit_events').select('action').where('action', '=', 'marker.north').execute(),
    );
    assert.equal(seenFromSouth.length, 0);
  });

  test('the app role may only select and insert (its rows carry the transaction\'s actor): update, delete and truncate are refused', async () => {
    for (const q of [sql`UPDATE audit_events SET action = 'forged'`, sql`DELETE FROM audit_events`, sql`TRUNCATE audit_events`]) {
      await assert.rejects(withBranch(t.app, f.north.id, actor, (trx) => q.execute(trx)));
    }
    const grants = await sql<{ privilege_type: string }>`
      SELECT privilege_type FROM information_schema.role_table_grants
       WHERE table_name = 'audit_events' AND grantee = ${t.name + '_app'} ORDER BY 1`.execute(t.owner);
    assert.deepEqual(grants.rows.map((g) => g.privilege_type), ['INSERT', 'SELECT']);
  });

  test('the trigger refuses changes even from the owner', async () => {
    await assert.rejects(
      withBranch(t.owner, f.north.id, { kind: 'admin', id: 't' }, (trx) => sql`UPDATE audit_events SET action = 'x' WHERE seq = 1`.execute(trx)),
      /append-only/,
    );
  });

  test('the verifier names the first row an owner tampered with, and a deleted row', async () => {
    const target = await withBranch(t.owner, f.south.id, { kind: 'admin', id: 't' }, (trx) =>
      trx.selectFrom('audit_events').select('seq').orderBy('seq').offset(5).limit(1).executeTakeFirstOrThrow(),
    );
    await withBranch(t.owner, f.south.id, { kind: 'admin', id: 't' }, async (trx) => {
      await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`.execute(trx);
      await sql`UPDATE audit_events SET detail = '{"i": 999}'::jsonb WHERE seq = ${target.seq}::bigint`.execute(trx);
      await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`.execute(trx);
    });
    let reports = await verifyAuditChains(asSystemDb(t.owner));
    const south = reports.find((r) => r.branchCode === 'south')!;
    assert.deepEqual(south.firstBroken, { seq: target.seq, reason: 'content does not match its hash' });
    assert.equal(reports.find((r) => r.branchCode === 'north')!.firstBroken, null);

    await withBranch(t.owner, f.north.id, { kind: 'admin', id: 't' }, async (trx) => {
      await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`.execute(trx);
      await sql`DELETE FROM audit_events WHERE seq = 3`.execute(trx);
      await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`.execute(trx);
    });
    reports = await verifyAuditChains(asSystemDb(t.owner));
    assert.deepEqual(reports.find((r) => r.branchCode === 'north')!.firstBroken, { seq: '3', reason: 'row 3 is missing' });
  });
});
