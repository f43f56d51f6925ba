import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { withBranch } from '../server/db/with-branch';
import { createTestDatabase, type TestDatabase } from '../server/testing/test-db';

/** The admin CLI as an operator runs it: a child process against a real PostgreSQL. */
function admin(t: TestDatabase, args: string[], input?: string, extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: t.appUrl, DATABASE_OWNER_URL: t.ownerUrl, ...extraEnv },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('admin CLI', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.close());

  test('branch, ward, user, station and client, each audited; secrets only on stdout once', async () => {
    assert.equal(admin(t, ['branch', 'add', '--code', 'north', '--name', 'North Hospital']).code, 0);
    assert.equal(admin(t, ['ward', 'add', '--branch', 'north', '--code', 'n-med', '--name', 'Medicine']).code, 0);
    const user = admin(t, ['user', 'add', '--username', 'dr.north', '--display-name', 'Dr North', '--role', 'physician', '--branch', 'north', '--password-stdin'], 'a-long-password\n');
    assert.equal(user.code, 0, user.out);
    const noStdin = admin(t, ['user', 'add', '--username', 'dr.x', '--role', 'physician', '--branch', 'north']);
    assert.equal(noStdin.code, 1);
    assert.match(noStdin.out, /password-stdin/);
    const station = admin(t, ['station', 'enrol', '--branch', 'north', '--ward', 'n-med']);
    assert.equal(station.code, 0, station.out);
    assert.match(station.out, /wsk_[A-Za-z0-9_-]{40,}/);
    const client = admin(t, ['client', 'add', '--branch', 'north', '--name', 'Central Lab', '--scopes', 'read:Patient,write:Observation']);
    assert.equal(client.code, 0, client.out);
    assert.match(client.out, /wsc_/);
    assert.equal(admin(t, ['client', 'add', '--branch', 'north', '--name', 'X', '--scopes', 'delete:everything']).code, 1);
    const partner = admin(t, ['client', 'add', '--branch', 'north', '--name', 'Referral Partner', '--identifier-system', 'urn:oid:1.2.36.146.595.217.0.1', '--identifier-system', 'https://partner.example/mrn']);
    assert.equal(partner.code, 0, partner.out);
    assert.match(partner.out, /matched on urn:oid:1\.2\.36\.146\.595\.217\.0\.1 https:\/\/partner\.example\/mrn/);
    const systems = await t.owner.selectFrom('api_clients').select('identifier_systems').where('name', '=', 'Referral Partner').executeTakeFirstOrThrow();
    assert.deepEqual(systems.identifier_systems, ['urn:oid:1.2.36.146.595.217.0.1', 'https://partner.example/mrn']);
    assert.equal(admin(t, ['client', 'add', '--branch', 'north', '--name', 'Y', '--identifier-system', 'not a uri']).code, 1);
    assert.equal(admin(t, ['nonsense']).code, 2);
  });

  test('user password, user disable, station revoke, client revoke: each audited, secrets only on stdin', async () => {
    assert.equal(admin(t, ['user', 'password', '--username', 'dr.north']).code, 1, 'no password on the command line');
    const pw = admin(t, ['user', 'password', '--username', 'dr.north', '--password-stdin'], 'another-long-password\n');
    assert.equal(pw.code, 0, pw.out);
    assert.equal(admin(t, ['user', 'password', '--username', 'dr.north', '--password-stdin'], 'short\n').code, 1);
    const station = await t.owner.selectFrom('stations').select('id').executeTakeFirstOrThrow();
    const client = await t.owner.selectFrom('api_clients').select('id').executeTakeFirstOrThrow();
    for (const args of [['user', 'disable', '--username', 'dr.north'], ['station', 'revoke', '--id', station.id], ['client', 'revoke', '--id', String(client.id)]]) {
      const r = admin(t, args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.out}`);
    }
    const bad = admin(t, ['station', 'revoke', '--id', 'not-a-station']);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /not a station id/);
    const branch = await t.owner.selectFrom('branches').select('id').where('code', '=', 'north').executeTakeFirstOrThrow();
    const actions = (await withBranch(t.owner, branch.id, { kind: 'admin', id: 't' }, (trx) => trx.selectFrom('audit_events').select('action').execute())).map((r) => r.action);
    for (const a of ['admin.user_password_changed', 'admin.user_disabled', 'admin.station_revoked', 'admin.client_revoked']) assert.ok(actions.includes(a), a);
    assert.ok((await t.owner.selectFrom('users').select('disabled_at').where('username', '=', 'dr.north').executeTakeFirstOrThrow()).disabled_at);

    const enabled = admin(t, ['user', 'enable', '--username', 'dr.north']);
    assert.equal(enabled.code, 0, enabled.out);
    assert.match(enabled.out, /dr\.north enabled/);
    assert.equal((await t.owner.selectFrom('users').select('disabled_at').where('username', '=', 'dr.north').executeTakeFirstOrThrow()).disabled_at, null);
    assert.match(admin(t, ['user', 'enable', '--username', 'dr.north']).out, /was not disabled/);
    const after = (await withBranch(t.owner, branch.id, { kind: 'admin', id: 't' }, (trx) => trx.selectFrom('audit_events').select('action').where('action', '=', 'admin.user_enabled').execute()));
    assert.equal(after.length, 1, 'audited once: enabling an enabled user changes nothing');
  });

  test('audit checkpoint, then verify: a deleted newest row is found', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ws-audit-cli-'));
    const env = { AUDIT_CHECKPOINT_FILE: path.join(dir, 'checkpoints.log'), AUDIT_CHECKPOINT_KEY: path.join(dir, 'checkpoint.key') };
    try {
      const cp = admin(t, ['audit', 'checkpoint'], undefined, env);
      assert.equal(cp.code, 0, cp.out);
      assert.match(cp.out, /north: checkpointed at row \d+/);
      assert.equal(admin(t, ['audit', 'verify'], undefined, env).code, 0);
      const branch = await t.owner.selectFrom('branches').select('id').where('code', '=', 'north').executeTakeFirstOrThrow();
      await withBranch(t.owner, branch.id, { kind: 'admin', id: 't' }, async (trx) => {
        await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`.execute(trx);
        await sql`DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events WHERE branch_id = ${branch.id}) AND branch_id = ${branch.id}`.execute(trx);
        await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`.execute(trx);
      });
      const bad = admin(t, ['audit', 'verify'], undefined, env);
      assert.equal(bad.code, 1, bad.out);
      assert.match(bad.out, /north: BROKEN at row \d+: rows \d+\.\.\d+ are missing/);
      // Record the deletion as the new truth for the test below (it tampers on its own).
      await withBranch(t.owner, branch.id, { kind: 'admin', id: 't' }, (trx) => sql`SELECT audit_append('test.after_delete', null, null, null, '{}'::jsonb)`.execute(trx));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('audit verify: 0 when intact; 1 and the first broken row when tampered', async () => {
    const ok = admin(t, ['audit', 'verify']);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /north: intact \(\d+ rows\)/);
    const branch = await t.owner.selectFrom('branches').select('id').where('code', '=', 'north').executeTakeFirstOrThrow();
    await withBranch(t.owner, branch.id, { kind: 'admin', id: 't' }, async (trx) => {
      await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`.execute(trx);
      await sql`UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 2`.execute(trx);
      await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`.execute(trx);
    });
    const bad = admin(t, ['audit', 'verify']);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /north: BROKEN at row 2: content does not match its hash/);
  });

  test('feed compact: the named branch keeps one feed row per entity; an unknown branch is one sentence', async () => {
    const branch = await t.owner.selectFrom('branches').select('id').where('code', '=', 'north').executeTakeFirstOrThrow();
    const admin_ = { kind: 'admin', id: 't' } as const;
    const id = await withBranch(t.owner, branch.id, admin_, async (trx) => {
      const p = await trx
        .insertInto('patients')
        .values({ branch_id: branch.id, mrn: 'FEED-1', family_name: 'Feed', given_names: ['Compact'], birth_date: '1960-02-03', sex: 'male' })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const bed of ['3', '4']) await sql`UPDATE patients SET bed = ${bed} WHERE id = ${p.id}::uuid`.execute(trx);
      return p.id;
    });
    const rows = () =>
      withBranch(t.owner, branch.id, admin_, async (trx) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM change_feed WHERE entity_id = ${id}::uuid`.execute(trx)).rows[0]!.n);
    assert.equal(await rows(), 3);
    const r = admin(t, ['feed', 'compact', '--branch', 'north']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^north: \d+ superseded feed rows removed$/m);
    assert.equal(await rows(), 1);
    // A server's compactor holding the branch: the operator is told, not shown a bare 0.
    const held = await t.owner.connection().execute(async (c) => {
      await sql`SELECT pg_advisory_lock(7311, ${branch.id}::int)`.execute(c);
      try {
        return admin(t, ['feed', 'compact', '--branch', 'north']);
      } finally {
        await sql`SELECT pg_advisory_unlock(7311, ${branch.id}::int)`.execute(c);
      }
    });
    assert.equal(held.code, 0, held.out);
    assert.match(held.out, /^north: 0 superseded feed rows removed \(a server is compacting this branch now: run it again in a minute to finish\)$/m);
    const unknown = admin(t, ['feed', 'compact', '--branch', 'nowhere']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.out, /^error: there is no branch with code nowhere: use a branch code such as north or south$/m);
  });
});
