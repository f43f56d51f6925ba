import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { feedRowLine } from '../../contract/sync';
import { createServerClient, NetworkError, ServerError } from './server-client';

/*
 * The rows pull goes through node:http (not fetch) and reads the page as bytes: a whole page
 * arrives with each row's data as its UTF-8 bytes; an answer cut short, a server that stalls past
 * the timeout or a call the station aborts are network failures, never a short page; an error
 * answer is the server's error, as through fetch.
 */
describe('server client: the rows pull over node:http', () => {
  const patient = randomUUID();
  const rows = [
    { seq: '3', entity: 'patient', id: patient, patientId: patient, data: JSON.stringify({ id: patient, family_name: 'Ødegård', given_names: ['Zoë'] }) },
    { seq: '5', entity: 'observation', id: randomUUID(), patientId: patient, data: JSON.stringify({ patient_id: patient, unit: 'µmol/L', value_num: 71 }) },
  ];
  const page = Buffer.from(`{"cursor":"5","more":false,"count":2}\n${rows.map(feedRowLine).join('\n')}\n`, 'utf8');
  let mode: 'page' | 'cut' | 'stall' | 'missing' | 'slow' = 'page';
  let release = () => {};
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    if (mode === 'missing') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'no such route' } }));
    } else if (mode === 'cut') {
      // Announces the whole page, sends half of it, and drops the connection.
      res.writeHead(200, { 'content-type': 'text/x-feed-rows; charset=utf-8', 'content-length': String(page.length) });
      res.write(page.subarray(0, page.length >> 1), () => res.socket?.destroy());
    } else if (mode === 'slow') {
      // The header line (and a little more) first; the rest once the test says so.
      res.writeHead(200, { 'content-type': 'text/x-feed-rows; charset=utf-8' });
      const cut = page.indexOf(0x0a) + 5;
      res.write(page.subarray(0, cut));
      release = () => res.end(page.subarray(cut));
    } else if (mode === 'stall') {
      res.writeHead(200, { 'content-type': 'text/x-feed-rows; charset=utf-8' });
      res.write(page.subarray(0, 10));
    } else {
      res.writeHead(200, { 'content-type': 'text/x-feed-rows; charset=utf-8' }).end(page);
    }
  });
  let base = '';
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('a page arrives with each row as its bytes, the station credential and the token sent', async () => {
    mode = 'page';
    const client = createServerClient(base, 'station-credential', 2000);
    const got = await client.pullRows!('user-token', '0', 100);
    assert.equal(got.cursor, '5');
    assert.equal(got.more, false);
    assert.deepEqual(
      got.rows.map((r) => ({ ...r, data: Buffer.from(r.data as Uint8Array).toString('utf8') })),
      rows,
    );
    const h = seen.at(-1)!;
    assert.equal(h.authorization, 'Bearer user-token');
    assert.equal(h['x-station-credential'], 'station-credential');
  });

  test('the header line is handed over as soon as it is in, before the rest of the page', async () => {
    mode = 'slow';
    const client = createServerClient(base, 'station-credential', 2000);
    const headers: { cursor: string; more: boolean }[] = [];
    let whole = false;
    const call = client.pullRows!('t', '0', 100, undefined, (h) => {
      headers.push(h);
      // The rest of the page is sent only now: the header came first.
      assert.equal(whole, false);
      release();
    });
    const got = await call.then((p) => ((whole = true), p));
    assert.deepEqual(headers.map((h) => ({ cursor: h.cursor, more: h.more })), [{ cursor: '5', more: false }]);
    assert.equal(got.rows.length, 2);
  });

  test('an answer cut short, a stalled one and an aborted call are network failures', async () => {
    const client = createServerClient(base, 'station-credential', 300);
    mode = 'cut';
    await assert.rejects(client.pullRows!('t', '0', 100), NetworkError);
    mode = 'stall';
    await assert.rejects(client.pullRows!('t', '0', 100), NetworkError);
    const stop = new AbortController();
    const slow = createServerClient(base, 'station-credential', 10_000);
    const call = slow.pullRows!('t', '0', 100, stop.signal);
    setTimeout(() => stop.abort(), 50);
    await assert.rejects(call, NetworkError);
  });

  test("an error answer is the server's error (a server without the rows pull answers 404)", async () => {
    mode = 'missing';
    const client = createServerClient(base, 'station-credential', 2000);
    await assert.rejects(client.pullRows!('t', '0', 100), (e: unknown) => e instanceof ServerError && e.status === 404 && e.code === 'not_found');
  });
});
