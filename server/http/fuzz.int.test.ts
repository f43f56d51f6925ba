import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pg from 'pg';
import { ApiErrorBody } from '../../contract/errors';
import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';
import { enrolStation } from '../admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { silentLogger } from '../log';
import { TEST_PASSWORD, twoBranches } from '../testing/fixtures';
import { adminUrl, createTestDatabase, type TestDatabase } from '../testing/test-db';
import { buildServer } from './app';

/*
 * Hostile input on every route and FHIR interaction: strings with NUL, half characters, direction
 * overrides, path tricks, numbers out of every range. Whatever comes in, the answer is below 500,
 * every error is the JSON error shape (or an OperationOutcome under /fhir), and a refused request
 * leaves the database as it was.
 */

const HOSTILE_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\uD83D',
  'pain \uDE00 score',
  '\u202Egnp.exe',
  '%',
  '%25',
  '%00',
  '../../etc/passwd',
  '',
  ' ',
  'x'.repeat(5000),
  '9'.repeat(40),
  '-1',
  "'; DROP TABLE patients; --",
  '😀',
  '\uFFFF',
  '0190a000-0000-7000-8000-000000000001',
  '00000000-0000-0000-0000-000000000000',
];
const HOSTILE_NUMBERS = [-1, 0, 2 ** 31, 2 ** 53, -(2 ** 63), 1e308, 0.5, Number.MAX_SAFE_INTEGER];
const KEYS = ['username', 'password', 'branch', 'text', 'cursor', 'limit', 'q', 'name', 'baseVersion', 'section', 'index', 'reason', 'version', 'channel', 'value', 'enabled', 'ring', 'threshold', 'notes', 'mutations', 'id', 'kind', 'payload', 'resourceType', 'family', 'given', '_count', 'patient', 'status'];

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ unit: 'binary', maxLength: 30 }));
const hostileNumber = fc.oneof(fc.constantFrom(...HOSTILE_NUMBERS), fc.integer(), fc.double({ noNaN: true }));
const leaf = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));
const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 })),
})).value;
const hostileBody = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), hostileString), hostileValue, { maxKeys: 6 });
const hostileQuery = fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(hostileString, hostileNumber.map(String)), { maxKeys: 3 });

/** Percent-encodes the UTF-8 bytes (a URL cannot carry half a character: it arrives as U+FFFD). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** Routes whose answer is a stream that stays open (server-sent events). */
const STREAMS = new Set(['/api/sync/live', '/updates/events']);
/** Tables a refused request may legitimately write: its audit row, the sign-in throttle, session use. */
const MAY_CHANGE = new Set(['audit_events', 'login_attempts', 'sessions']);

describe('fuzz: hostile input on every route and FHIR interaction', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let routes: { method: string; url: string }[];
  let su: pg.Client;
  let tables: string[];
  const auth: Record<string, Record<string, string>> = { none: {} };

  before(async () => {
    t = await createTestDatabase();
    await twoBranches(t.owner, 3);
    const station = await enrolStation(t.owner, 'north', 'n-med', 'fuzz station');
    const built = await buildServer({ db: t.app, policy: { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 1_000_000, maxFailuresPerUsername: 1_000_000 }, log: silentLogger });
    app = built.app;
    routes = built.routes.filter((r) => !STREAMS.has(r.url));
    const login = async (username: string, branch: string) => {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: TEST_PASSWORD, branch }, headers: { [STATION_CREDENTIAL_HEADER]: station.credential } });
      assert.equal(r.statusCode, 200, r.body);
      return (r.json() as { token: string }).token;
    };
    auth.clinician = { authorization: `Bearer ${await login('dr.north', 'north')}`, [STATION_CREDENTIAL_HEADER]: station.credential };
    auth.it = { authorization: `Bearer ${await login('it.admin', 'north')}` };
    const url = new URL(adminUrl());
    url.pathname = `/${t.name}`;
    su = new pg.Client({ connectionString: url.toString() });
    await su.connect();
    const r = await su.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    tables = r.rows.map((x) => x.t).filter((x) => !MAY_CHANGE.has(x));
  });
  after(async () => {
    await su?.end();
    await app?.close();
    await t?.close();
  });

  /** Every row of every table (as a superuser: RLS does not hide any), hashed per table. */
  async function snapshot(): Promise<string> {
    const q = tables.map((x) => `SELECT '${x}' AS t, count(*) AS n, coalesce(md5(string_agg(md5(r::text), '' ORDER BY md5(r::text))), '') AS h FROM "${x}" r`).join(' UNION ALL ');
    return JSON.stringify((await su.query(q)).rows);
  }

  function fill(pattern: string, s: string): string {
    const enc = pct(s);
    return pattern.replace(/:[A-Za-z]+/g, enc).replace(/\*$/, enc);
  }

  async function check(req: InjectOptions & { url: string }): Promise<void> {
    const before = await snapshot();
    const r = await app.inject(req);
    const what = `${String(req.method)} ${req.url} → ${r.statusCode} ${r.body.slice(0, 200)}`;
    assert.ok(r.statusCode < 500, what);
    if (r.statusCode >= 400) {
      const body = r.json() as unknown;
      if (req.url.startsWith('/fhir')) assert.equal((body as { resourceType?: string }).resourceType, 'OperationOutcome', what);
      else assert.ok(ApiErrorBody.safeParse(body).success, what);
      assert.equal(await snapshot(), before, `refused, yet the database changed: ${what}`);
    }
  }

  test('each route with each kind of bad text in its path, query and body', async () => {
    for (const route of routes) {
      for (const bad of ['a\u0000b', 'pain \uD83D', '%', '9'.repeat(40)]) {
        for (const who of ['none', 'clinician', 'it']) {
          const withBody = route.method !== 'GET' && route.method !== 'DELETE';
          await check({
            method: route.method as 'GET',
            url: `${fill(route.url, bad)}?q=${pct(bad)}&cursor=${pct(bad)}&limit=${pct(bad)}`,
            headers: auth[who]!,
            ...(withBody ? { payload: { username: bad, password: bad, branch: 'north', text: bad, baseVersion: 2 ** 40, mutations: [{ kind: 'draft.save', id: bad, payload: { text: bad } }], resourceType: 'Patient', name: [{ family: bad }] } } : {}),
          });
        }
      }
    }
  });

  test('random hostile requests on random routes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), hostileString, hostileQuery, hostileBody, fc.constantFrom('none', 'clinician', 'it'), async (i, seg, query, body, who) => {
        const route = routes[i % routes.length]!;
        const qs = new URLSearchParams(query).toString();
        const withBody = route.method !== 'GET' && route.method !== 'DELETE';
        await check({
          method: route.method as 'GET',
          url: `${fill(route.url, seg)}${qs ? `?${qs}` : ''}`,
          headers: auth[who]!,
          ...(withBody ? { payload: body } : {}),
        });
      }),
      { numRuns: 300 },
    );
  });

  test('FHIR interactions with hostile ids, search parameters and resources', async () => {
    const types = ['Patient', 'Observation', 'MedicationRequest', 'ServiceRequest', 'Nope'];
    const resource = fc.record({
      resourceType: fc.constantFrom(...types),
      id: hostileString,
      name: fc.array(fc.record({ family: hostileString, given: fc.array(hostileString, { maxLength: 2 }) }), { maxLength: 2 }),
      birthDate: hostileString,
      status: hostileString,
      valueQuantity: fc.record({ value: hostileNumber, unit: hostileString }),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...types), hostileString, hostileQuery, resource, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), fc.constantFrom('none', 'clinician'), async (type, id, query, res, method, who) => {
        const qs = new URLSearchParams(query).toString();
        const url = method === 'POST' || (method === 'GET' && id.length % 2 === 0) ? `/fhir/${type}${qs ? `?${qs}` : ''}` : `/fhir/${type}/${pct(id)}${qs ? `?${qs}` : ''}`;
        await check({
          method,
          url,
          headers: { ...auth[who]!, 'content-type': 'application/fhir+json', 'if-match': `W/"${id}"` },
          ...(method === 'POST' || method === 'PUT' ? { payload: JSON.stringify(res) } : {}),
        });
      }),
      { numRuns: 200 },
    );
  });
});
