import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createPool } from '../db/pool';
import { asSystemDb, createSystemDb, type SystemDb } from '../db/system-db';
import { withBranch } from '../db/with-branch';
import { twoBranches, type TwoBranches } from '../testing/fixtures';
import { adminUrl, createTestDatabase, type TestDatabase } from '../testing/test-db';
import { checkpointKey, verifyWithCheckpoints, writeCheckpoints } from './checkpoint';
import { recordAudit } from './record';
import { verifyAuditChains } from './verify';

/*
 * Issue 11, item 6: an audit an owner cannot quietly rewrite. The app role appends only through
 * audit_append (the actor is the transaction's), `audit verify` gives a superuser the same
 * verdict, and a signed checkpoint outside the database finds deleted newest rows.
 */
describe('audit: the owner cannot quietly rewrite it', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let superuser: SystemDb;
  let dir: string;
  const actor = { kind: 'user', id: '7' } as const;

  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 2);
    for (let i = 0; i < 6; i++) {
      await withBranch(t.app, i % 2 ? f.north.id : f.south.id, actor, (trx) => recordAudit(trx, actor, { action: 'patient.read', entityType: 'patient', entityId: String(i) }));
    }
    const u = new URL(adminUrl());
    u.pathname = `/${t.name}`;
    superuser = createSystemDb(createPool({ connectionString: u.toString(), max: 1 }));
    dir = mkdtempSync(path.join(tmpdir(), 'ws-audit-'));
  });
  after(async () => {
    await superuser.destroy();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the app role cannot name another actor: a direct insert (as the previous release makes) and audit_append both record the transaction\'s', async () => {
    await withBranch(t.app, f.north.id, actor, (trx) =>
      sql`INSERT INTO audit_events (branch_id, actor_kind, actor_id, action) VALUES (${f.north.id}, 'user', '1', 'forged')`.execute(trx),
    );
    const forged = await withBranch(t.owner, f.north.id, actor, (trx) =>
      trx.selectFrom('audit_events').select(['actor_kind', 'actor_id']).where('action', '=', 'forged').executeTakeFirstOrThrow(),
    );
    assert.deepEqual(forged, { actor_kind: 'user', actor_id: '7' }, 'the claimed actor is replaced by the transaction\'s');
    // Outside withBranch (no branch, no actor) a direct insert is refused.
    await assert.rejects(sql`INSERT INTO audit_events (branch_id, actor_kind, actor_id, action) VALUES (${f.north.id}, 'user', '1', 'forged')`.execute(t.app));
    await withBranch(t.app, f.north.id, actor, (trx) => recordAudit(trx, { kind: 'user', id: '999' }, { action: 'who.am.i' }));
    const row = await withBranch(t.owner, f.north.id, actor, (trx) =>
      trx.selectFrom('audit_events').select(['actor_kind', 'actor_id']).where('action', '=', 'who.am.i').executeTakeFirstOrThrow(),
    );
    assert.deepEqual(row, { actor_kind: 'user', actor_id: '7' }, 'the actor is the transaction\'s, not the caller\'s claim');
    await assert.rejects(sql`SELECT audit_append('x', null, null, null, '{}'::jsonb)`.execute(t.app), /branch and actor/);
  });

  test('audit verify as a superuser is clean, and the same as the app role\'s verdict', async () => {
    const strip = (rs: Awaited<ReturnType<typeof verifyAuditChains>>) => rs.map((r) => ({ branch: r.branchCode, rows: r.rows, broken: r.firstBroken }));
    const asSuper = await verifyAuditChains(superuser);
    for (const r of asSuper) assert.equal(r.firstBroken, null, `${r.branchCode}: ${JSON.stringify(r.firstBroken)}`);
    assert.deepEqual(strip(asSuper), strip(await verifyAuditChains(t.app)));
    assert.deepEqual(strip(asSuper), strip(await verifyAuditChains(asSystemDb(t.owner))));
  });

  test('a signed checkpoint outside the database finds the owner\'s deleted newest row', async () => {
    const file = path.join(dir, 'audit-checkpoints.log');
    const key = checkpointKey(path.join(dir, 'audit-checkpoint.key'));
    assert.equal(statSync(path.join(dir, 'audit-checkpoint.key')).mode & 0o777, 0o600);
    await writeCheckpoints(t.app, file, key);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2, 'one line per branch');
    for (const r of await verifyWithCheckpoints(superuser, file, key)) assert.equal(r.firstBroken, null);

    // The owner deletes north's newest row: the chain that is left is self-consistent.
    await withBranch(t.owner, f.north.id, actor, async (trx) => {
      await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`.execute(trx);
      await sql`DELETE FROM audit_events WHERE branch_id = ${f.north.id} AND seq = (SELECT max(seq) FROM audit_events WHERE branch_id = ${f.north.id})`.execute(trx);
      await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`.execute(trx);
    });
    assert.equal((await verifyAuditChains(superuser)).find((r) => r.branchCode === 'north')!.firstBroken, null, 'the chain alone cannot tell');
    const reports = await verifyWithCheckpoints(superuser, file, key);
    assert.match(reports.find((r) => r.branchCode === 'north')!.firstBroken!.reason, /missing: the checkpoint of .* saw the chain reach row/);
    assert.equal(reports.find((r) => r.branchCode === 'south')!.firstBroken, null);

    // A forged checkpoint line (not signed by the server's key) is ignored.
    appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), database: t.name, branch: 'south', seq: '999', hash: 'x', sig: 'AAAA' })}\n`);
    assert.equal((await verifyWithCheckpoints(superuser, file, key)).find((r) => r.branchCode === 'south')!.firstBroken, null);
  });
});
