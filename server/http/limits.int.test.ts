import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { silentLogger } from '../log';
import { twoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { buildServer } from './app';

/*
 * Limits before work: a route that takes a large body refuses an unauthenticated caller before it
 * reads the body (the issue: 12 unauthenticated 35 MB transcription requests took the server from
 * 285 MB to 899 MB), and a body over the limit is cut off while it streams.
 */

describe('limits before work', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let port: number;

  before(async () => {
    t = await createTestDatabase();
    await twoBranches(t.owner, 1);
    app = (await buildServer({ db: t.app, policy: DEFAULT_AUTH_POLICY, log: silentLogger })).app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  /** Announces `announced` bytes, sends only the first KB, and waits for the answer. */
  function announceLargeBody(path: string, announced: number, headers: Record<string, string>): Promise<{ status: number; body: string; sent: number }> {
    return new Promise((resolve, reject) => {
      let sent = 0;
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(announced), ...headers } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body, sent });
        });
      });
      req.on('error', (e) => (sent > 0 ? undefined : reject(e)));
      req.write(`{"audioBase64":"${'A'.repeat(1000)}`);
      sent += 1018;
      const timer = setTimeout(() => reject(new Error('no answer while the body was still being sent: the server waited for the body')), 5000);
      req.on('close', () => clearTimeout(timer));
    });
  }

  for (const route of ['/api/notes/0190a000-0000-7000-8000-000000000001/transcription', '/api/sync/push']) {
    test(`${route}: no credentials, 401 before the body is read`, async () => {
      const r = await announceLargeBody(route, 30 * 1024 * 1024, {});
      assert.equal(r.status, 401);
      assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'unauthorized');
      assert.ok(r.sent < 4096);
    });
    test(`${route}: a wrong station credential, 401 before the body is read`, async () => {
      const r = await announceLargeBody(route, 30 * 1024 * 1024, { [STATION_CREDENTIAL_HEADER]: 'not-a-credential', authorization: 'Bearer nope' });
      assert.equal(r.status, 401);
    });
  }

  test('a body announced over the route limit is refused with 413 unread', async () => {
    const r = await announceLargeBody('/api/auth/login', 50 * 1024 * 1024, {});
    assert.equal(r.status, 413);
    assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'payload_too_large');
  });
});
