import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';
import { enrolStation } from '../admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { configFromEnv } from '../config';
import { silentLogger } from '../log';
import { twoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { buildServer } from './app';

/*
 * Request timeouts: a client that never finishes its body (a slow-loris, trickling one byte at a
 * time so the socket never falls silent) is cut off once the request timeout passes, while a
 * live stream, whose request arrived whole, stays open well past it.
 */

const REQUEST_MS = 1000;

describe('request timeouts', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let port: number;
  let credential: string;

  before(async () => {
    t = await createTestDatabase();
    await twoBranches(t.owner, 1);
    credential = (await enrolStation(t.owner, 'north', 'n-med', 'timeouts station')).credential;
    app = (await buildServer({ db: t.app, policy: DEFAULT_AUTH_POLICY, log: silentLogger, databaseUrl: t.appUrl }, { timeouts: { requestMs: REQUEST_MS } })).app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  /** Opens a raw connection, writes `head`, then one byte every `everyMs` until the server closes it; what the server answered. */
  function trickle(head: string, everyMs: number, maxMs: number): Promise<{ closedByServer: boolean; answer: string; bytesSent: number }> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let answer = '';
      let bytesSent = 0;
      let closedByServer = false;
      socket.on('data', (d) => (answer += d.toString()));
      socket.on('error', () => {});
      socket.write(head);
      const drip = setInterval(() => {
        if (socket.writable) {
          socket.write('a');
          bytesSent++;
        }
      }, everyMs);
      const giveUp = setTimeout(() => socket.destroy(), maxMs);
      socket.on('end', () => (closedByServer = true));
      socket.on('close', () => {
        clearInterval(drip);
        clearTimeout(giveUp);
        resolve({ closedByServer, answer, bytesSent });
      });
    });
  }

  test('a body that never finishes is cut off with 408 after the request timeout', async () => {
    const head = `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"username":"`;
    const r = await trickle(head, 100, 20 * REQUEST_MS);
    assert.ok(r.closedByServer, 'the server closed the connection');
    assert.match(r.answer, /^HTTP\/1\.1 408/);
    // Cut off near the timeout, long before the 100,000 announced bytes.
    assert.ok(r.bytesSent < 100, `${r.bytesSent} bytes trickled before the cut`);
  });

  test('headers that never finish are cut off too', async () => {
    const r = await trickle('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nx-slow: ', 100, 20 * REQUEST_MS);
    assert.ok(r.closedByServer);
    assert.match(r.answer, /^HTTP\/1\.1 408/);
  });

  test('a live stream stays open well past the request timeout', async () => {
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/updates/events`, { headers: { [STATION_CREDENTIAL_HEADER]: credential }, signal: abort.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    await reader.read();
    let ended = false;
    const reading = (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        /* aborted below */
      }
      ended = true;
    })();
    await new Promise((r) => setTimeout(r, 4 * REQUEST_MS));
    assert.equal(ended, false, 'the stream is still open after four request timeouts');
    abort.abort();
    await reading;
  });

  test('the limits are configurable and refuse values that would cut off the live streams', () => {
    const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x' };
    assert.deepEqual(configFromEnv({ ...base, REQUEST_TIMEOUT_MS: '30000', CONNECTION_TIMEOUT_MS: '90000', KEEP_ALIVE_TIMEOUT_MS: '5000' }).timeouts, { requestMs: 30000, connectionMs: 90000, keepAliveMs: 5000 });
    assert.deepEqual(configFromEnv(base).timeouts, { requestMs: 120000, connectionMs: 120000, keepAliveMs: 72000 });
    assert.throws(() => configFromEnv({ ...base, CONNECTION_TIMEOUT_MS: '20000' }), /CONNECTION_TIMEOUT_MS must be at least 50000: the live streams send a heartbeat every 25 s/);
    assert.throws(() => configFromEnv({ ...base, REQUEST_TIMEOUT_MS: 'soon' }), /REQUEST_TIMEOUT_MS must be a whole number from 0 to/);
  });
});
