import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DATABASE_UNREACHABLE_SERVER } from '../../contract/errors';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { createPool } from '../db/pool';
import { createSystemDb, type SystemDb } from '../db/system-db';
import { silentLogger } from '../log';
import { buildServer } from './app';

/* The database is gone (a port nobody listens on): every route says so in words, with 503, never "internal error". */

let app: FastifyInstance;
let db: SystemDb;

before(async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  db = createSystemDb(createPool({ connectionString: `postgres://nobody:x@127.0.0.1:${port}/none`, max: 2, acquireTimeoutMs: 2000 }));
  app = (await buildServer({ db, policy: DEFAULT_AUTH_POLICY, log: silentLogger })).app;
});
after(async () => {
  await app.close();
  await db.destroy();
});

test('API routes answer 503 with the sentence for people', async () => {
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'dr.north', password: 'whatever it is', branch: 'north' } });
  assert.equal(login.statusCode, 503);
  assert.deepEqual(login.json(), { error: { code: 'unavailable', message: DATABASE_UNREACHABLE_SERVER } });
  assert.ok(Number(login.headers['retry-after']) > 0);
  const note = await app.inject({ method: 'GET', url: '/api/notes/0190a000-0000-7000-8000-000000000001', headers: { authorization: 'Bearer abc' } });
  assert.equal(note.statusCode, 503);
});

test('FHIR answers 503 with an OperationOutcome', async () => {
  const r = await app.inject({ method: 'GET', url: '/fhir/Patient?name=x', headers: { authorization: 'Bearer abc' } });
  assert.equal(r.statusCode, 503);
  const body = r.json() as { resourceType: string; issue: { diagnostics: string }[] };
  assert.equal(body.resourceType, 'OperationOutcome');
  assert.equal(body.issue[0]?.diagnostics, DATABASE_UNREACHABLE_SERVER);
});
