import { randomBytes } from 'node:crypto';
import { enrolStation } from '../admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { buildServer } from '../http/app';
import { silentLogger } from '../log';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../testing/fixtures';
import assert from 'node:assert/strict';
import { parsePullRows, STATION_CREDENTIAL_HEADER, type Mutation, type PullResponse, type PushResponse } from '../../contract/sync';
import type { FastifyInstance } from 'fastify';

/* Test harness for sync: a real server on a loopback port, real PostgreSQL, enrolled stations. */

let last = 0;
let counter = 0;
/** A UUID v7 that sorts after every earlier one of this process. */
export function testUuid7(): string {
  const now = Date.now();
  if (now > last) {
    last = now;
    counter = 0;
  } else counter++;
  const b = randomBytes(16);
  const ms = BigInt(last);
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = 0x70 | ((counter >> 8) & 0x0f);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface StationCreds {
  id: string;
  credential: string;
}

export interface SyncHarness {
  t: TestDatabase;
  f: TwoBranches;
  app: FastifyInstance;
  url: string;
  north1: StationCreds;
  north2: StationCreds;
  south1: StationCreds;
  login(username: string, branch: string, station: StationCreds): Promise<string>;
  push(station: StationCreds, token: string, mutations: Mutation[]): Promise<PushResponse>;
  pull(station: StationCreds, token: string, cursor: string, limit?: number): Promise<PullResponse>;
  close(): Promise<void>;
}

export async function startSyncHarness(patientsPerBranch = 5): Promise<SyncHarness> {
  const t = await createTestDatabase({ appPoolSize: 6 });
  const f = await twoBranches(t.owner, patientsPerBranch);
  const north1 = await enrolStation(t.owner, 'north', 'n-med', 'north station 1');
  const north2 = await enrolStation(t.owner, 'north', 'n-med', 'north station 2');
  const south1 = await enrolStation(t.owner, 'south', 's-med', 'south station 1');
  const policy = { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 10_000 };
  const { app } = await buildServer({ db: t.app, policy, log: silentLogger, databaseUrl: t.appUrl });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const headers = (s: StationCreds, token: string) => ({
    authorization: `Bearer ${token}`,
    [STATION_CREDENTIAL_HEADER]: s.credential,
    'content-type': 'application/json',
  });
  return {
    t,
    f,
    app,
    url,
    north1,
    north2,
    south1,
    async login(username, branch, station) {
      const r = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [STATION_CREDENTIAL_HEADER]: station.credential },
        body: JSON.stringify({ username, password: TEST_PASSWORD, branch }),
      });
      if (r.status !== 200) throw new Error(`login ${r.status}`);
      return ((await r.json()) as { token: string }).token;
    },
    async push(station, token, mutations) {
      const r = await fetch(`${url}/api/sync/push`, { method: 'POST', headers: headers(station, token), body: JSON.stringify({ mutations }) });
      if (r.status !== 200) throw new Error(`push ${r.status} ${await r.text()}`);
      return (await r.json()) as PushResponse;
    },
    async pull(station, token, cursor, limit = 1000) {
      const r = await fetch(`${url}/api/sync/pull?cursor=${cursor}&limit=${limit}`, { headers: headers(station, token) });
      if (r.status !== 200) throw new Error(`pull ${r.status} ${await r.text()}`);
      const page = (await r.json()) as PullResponse;
      // The same page as feed rows must hold exactly the same (every test that pulls checks both).
      const rows = await fetch(`${url}/api/sync/pull/rows?cursor=${cursor}&limit=${limit}`, { headers: headers(station, token) });
      if (rows.status !== 200) throw new Error(`pull rows ${rows.status} ${await rows.text()}`);
      const same = parsePullRows(await rows.text());
      assert.deepEqual(
        { changes: same.rows.map((c) => ({ seq: c.seq, entity: c.entity, id: c.id, data: JSON.parse(c.data) as unknown })), cursor: same.cursor, more: same.more, flags: same.flags },
        { changes: page.changes, cursor: page.cursor, more: page.more, flags: page.flags },
        'the feed rows answer holds the JSON answer\'s page',
      );
      for (const [i, c] of same.rows.entries()) assert.equal(c.patientId, c.entity === 'patient' ? c.id : ((page.changes[i]!.data.patient_id as string | undefined) ?? null));
      return page;
    },
    async close() {
      await app.close();
      await t.close();
    },
  };
}

export function draftSave(draftId: string, patientId: string, text: string, baseVersion: number): Mutation {
  return { kind: 'draft.save', id: testUuid7(), payload: { draftId, patientId, text, baseVersion } };
}
