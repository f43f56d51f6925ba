import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { silentLogger } from '../log';
import { draftSave, startSyncHarness, type StationCreds, type SyncHarness } from '../testing/sync-harness';
import { buildServer } from './app';

/*
 * Limits before work, per branch: beyond its share, a branch's pushes wait before their bodies
 * are read (the database limiter alone let a flood's bodies be read and parsed on the event loop
 * every branch shares). Another branch's push is not held up by them.
 */

describe('push admission per branch', () => {
  let h: SyncHarness;
  let app: FastifyInstance;
  let port: number;
  const tokens: Record<string, string> = {};

  before(async () => {
    h = await startSyncHarness(2);
    tokens.north = await h.login('dr.north', 'north', h.north1);
    tokens.south = await h.login('dr.south', 'south', h.south1);
    app = (await buildServer({ db: h.t.app, policy: { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 10_000 }, log: silentLogger, pushesPerBranch: 1 })).app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app.close();
    await h.close();
  });

  /** A push whose body is sent in two parts: `finish` sends the rest; `answer` is the status once it comes. */
  function push(station: StationCreds, token: string, patientId: string): { finish(): void; answer: Promise<number> } {
    const body = JSON.stringify({ mutations: [draftSave(randomUUID(), patientId, 'Obs stable overnight.', 0)] });
    const half = Math.floor(body.length / 2);
    let finish!: () => void;
    const answer = new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: '/api/sync/push', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: station.credential } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, half));
      finish = () => req.end(body.slice(half));
    });
    return { finish, answer };
  }

  test("north's second push waits for its first to finish; south's push does not wait for north", async () => {
    const first = push(h.north1, tokens.north!, h.f.north.patientIds[0]!);
    await new Promise((r) => setTimeout(r, 300)); // admitted, its body half read
    const order: string[] = [];
    const second = push(h.north1, tokens.north!, h.f.north.patientIds[1]!);
    second.finish();
    void second.answer.then(() => order.push('north 2'));
    const south = push(h.south1, tokens.south!, h.f.south.patientIds[0]!);
    south.finish();
    assert.equal(await south.answer, 200, 'south is not held up by north');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(order, [], "north's second push is still waiting for north's first");
    first.finish();
    assert.equal(await first.answer, 200);
    assert.equal(await second.answer, 200);
    assert.deepEqual(order, ['north 2']);
  });
});
