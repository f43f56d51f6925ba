import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { withBranch } from '../server/db/with-branch';
import { createTestDatabase, type TestDatabase } from '../server/testing/test-db';

/** The admin CLI as an operator runs it: a child process against a real PostgreSQL. */
function admin(t: TestDatabase, args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: t.appUrl, DATABASE_OWNER_URL: t.ownerUrl },
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
});
