import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PushResponse, STATION_CREDENTIAL_HEADER, type Mutation } from '../contract/sync';
import { enrolStation } from '../server/admin/credentials';
import { configFromEnv } from '../server/config';
import type { Database } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrate';
import { createKysely, createPool } from '../server/db/pool';
import { withBranch } from '../server/db/with-branch';
import { silentLogger } from '../server/log';
import { startServer } from '../server/run';
import { validatorsCompiled, VALIDATED_TYPES } from '../server/fhir/validate';
import { TEST_PASSWORD, twoBranches } from '../server/testing/fixtures';
import { testUuid7 } from '../server/testing/sync-harness';
import { resolveDatabase } from './database-env';

/*
 * The embedded PostgreSQL is killed (SIGKILL, as the OOM killer would) under a running server:
 * the supervision restarts it and says so, /readyz comes back, and every mutation the server
 * acknowledged before the kill is still there.
 */

test('killing the embedded PostgreSQL: restarted, ready again, nothing acknowledged lost', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wardstation-supervise-'));
  chmodSync(dir, 0o711); // as root, PostgreSQL runs as the `postgres` user and must enter it
  const data = path.join(dir, 'data');
  const events: string[] = [];
  const env = await resolveDatabase({ WARDSTATION_DATA: data }, (m) => events.push(m));
  const owner = createKysely<Database>(createPool({ connectionString: env.ownerUrl, max: 2 }));
  try {
    await migrateToLatest(env.ownerUrl, env.appUrl);
    const f = await twoBranches(owner, 3);
    const station = await enrolStation(owner, 'north', 'n-med', 'supervised');
    const server = await startServer({ ...configFromEnv({ DATABASE_URL: env.appUrl, PORT: '0' }), databaseOwnerUrl: null }, silentLogger);
    // Listening means ready: the first FHIR write will not stop the process to compile its validators.
    assert.ok(validatorsCompiled(VALIDATED_TYPES));
    try {
      const login = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [STATION_CREDENTIAL_HEADER]: station.credential },
        body: JSON.stringify({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' }),
      });
      const token = ((await login.json()) as { token: string }).token;
      const push = async (mutations: Mutation[]) => {
        const r = await fetch(`${server.url}/api/sync/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: station.credential },
          body: JSON.stringify({ mutations }),
        });
        return { status: r.status, body: r.status === 200 ? PushResponse.parse(await r.json()) : null };
      };
      const saves = Array.from({ length: 20 }, (_, i): Mutation => ({ kind: 'draft.save', id: testUuid7(), payload: { draftId: randomUUID(), patientId: f.north.patientIds[i % 3]!, text: `Ward round note ${i}.`, baseVersion: 0 } }));
      const acked = await push(saves);
      assert.equal(acked.status, 200);
      assert.ok(acked.body!.results.every((r) => r.status === 'applied'));

      const pid = Number(readFileSync(path.join(data, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGKILL');

      // While it is down, the server says so in words (503), and comes back by itself.
      const t0 = Date.now();
      let sawDown = false;
      for (;;) {
        const r = await fetch(`${server.url}/readyz`).catch(() => null);
        if (r?.status === 503) sawDown = true;
        if (r?.status === 200 && sawDown) break;
        assert.ok(Date.now() - t0 < 120_000, `not ready again after 120 s; supervision said: ${events.join(' / ')}`);
        await new Promise((res) => setTimeout(res, 250));
      }
      assert.ok(events.some((e) => /^the embedded PostgreSQL it stopped|restarting it in/.test(e)), events.join(' / '));
      assert.ok(events.includes('the embedded PostgreSQL is running again'), events.join(' / '));

      const stored = await withBranch(owner, f.north.id, { kind: 'admin', id: 'test' }, (trx) =>
        trx.selectFrom('note_drafts').select(['id', 'text']).where('id', 'in', saves.map((m) => (m.payload as { draftId: string }).draftId)).execute(),
      );
      assert.equal(stored.length, saves.length, 'every acknowledged mutation survived');
      // And the server takes new work again.
      const more = await push([{ kind: 'draft.save', id: testUuid7(), payload: { draftId: randomUUID(), patientId: f.north.patientIds[0]!, text: 'After the restart.', baseVersion: 0 } }]);
      assert.equal(more.status, 200);
    } finally {
      await server.drain(0);
    }
  } finally {
    await owner.destroy();
    await env.release();
    rmSync(dir, { recursive: true, force: true });
  }
});
