import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startServerProcess } from '../testing/server-process';
import { TEST_PASSWORD, twoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';

/* SIGTERM on `npm run server`: /readyz turns unready first, in-flight requests finish, then exit 0. */
describe('graceful drain on SIGTERM (child process)', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
    await twoBranches(t.owner, 1);
  });
  after(() => t.close());

  const login = (url: string) =>
    fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' }),
    }).then((r) => r.status);

  test('during the drain delay /readyz answers 503 while other requests are still served', async () => {
    const s = await startServerProcess({ databaseUrl: t.appUrl, env: { DRAIN_DELAY_MS: '1500' } });
    assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
    s.child.kill('SIGTERM');
    let ready = 200;
    for (let i = 0; i < 50 && ready === 200; i++) {
      ready = (await fetch(`${s.url}/readyz`)).status;
      if (ready === 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(ready, 503);
    assert.deepEqual(await (await fetch(`${s.url}/readyz`)).json(), { status: 'draining' });
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    assert.equal(await login(s.url), 200, 'still serving while the balancer takes it out');
    assert.equal(await s.exited, 0);
  });

  test('requests in flight when the server closes still complete; the process exits 0', async () => {
    const s = await startServerProcess({ databaseUrl: t.appUrl, env: { DRAIN_DELAY_MS: '0' } });
    // Requests whose headers have arrived and whose bodies are still on their way at SIGTERM.
    const body = JSON.stringify({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' });
    const pending = Array.from({ length: 4 }, () => {
      const req = request(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
      const status = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });
      req.write(body.slice(0, 10));
      return { req, status };
    });
    await new Promise((r) => setTimeout(r, 200));
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    for (const p of pending) p.req.end(body.slice(10));
    assert.deepEqual(await Promise.all(pending.map((p) => p.status)), [200, 200, 200, 200]);
    assert.equal(await s.exited, 0);
    await assert.rejects(fetch(`${s.url}/healthz`), 'closed after the drain');
  });
});
