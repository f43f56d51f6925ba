import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PullResponse, PullRowsPage } from '../../contract/sync';
import { cachedRows, getCursor, patientChart } from './cache';
import { listDrafts } from './drafts';
import { ServerError, type ServerClient } from './server-client';
import { openStore, type Store } from './store';
import { createSyncClient } from './sync-client';

/*
 * The pull as feed rows (a ward's bootstrap): rows are stored sealed as the server's JSON text,
 * note drafts reach the drafts table, and a server that predates the rows answer (404) is
 * pulled as JSON, asked once.
 */
describe('sync client: pulling feed rows', () => {
  let dir: string;
  const key = randomBytes(32);
  const patient = randomUUID();
  const family = `Qqrowsname${randomBytes(4).toString('hex')}`;
  const rows = [
    { seq: '3', entity: 'patient', id: patient, patientId: patient, data: JSON.stringify({ id: patient, mrn: 'N7', family_name: family, given_names: ['Zoë'], sex: 'female' }) },
    { seq: '5', entity: 'observation', id: randomUUID(), patientId: patient, data: JSON.stringify({ patient_id: patient, loinc: '718-7', value_num: 12.5 }) },
    { seq: '8', entity: 'note_draft', id: randomUUID(), patientId: patient, data: '' },
  ];
  rows[2]!.data = JSON.stringify({ id: rows[2]!.id, author_user_id: 4, patient_id: patient, text: 'draft text', version: 1, status: 'draft', updated_at: new Date().toISOString() });
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sync-client-rows-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const server = (pages: { rows?: PullRowsPage[]; json?: PullResponse[] }, calls: string[]): ServerClient => ({
    login: () => Promise.reject(new Error('no')),
    logout: async () => {},
    push: async () => ({ results: [] }),
    pull: async () => {
      calls.push('pull');
      return pages.json!.shift()!;
    },
    pullRows: async () => {
      calls.push('rows');
      if (!pages.rows) throw new ServerError(404, 'not_found');
      return pages.rows.shift()!;
    },
    live: () => new Promise(() => {}),
  });
  const client = (db: Store, s: ServerClient) => createSyncClient({ store: db, server: s, tokenFor: () => 't', pullToken: () => 't', onTokenRefused: () => {} });

  test('rows pages are stored sealed, in pages, with their cursor', async () => {
    const db = openStore(path.join(dir, 'rows.db'), { storeKey: key });
    const calls: string[] = [];
    const s = client(db, server({ rows: [{ rows: rows.slice(0, 1), cursor: '4', more: true }, { rows: rows.slice(1), cursor: '9', more: false }] }, calls));
    await s.syncNow();
    assert.deepEqual(calls, ['rows', 'rows']);
    assert.equal(getCursor(db), '9');
    assert.equal(patientChart(db, patient)?.patient.familyName, family);
    assert.equal(cachedRows(db, 'observation', patient)[0]!.value_num, 12.5);
    assert.equal(listDrafts(db, 4, patient)[0]?.text, 'draft text');
    const stored = db.prepare('SELECT data FROM cache').pluck().all() as string[];
    assert.ok(stored.every((d) => d.startsWith('s1:')), 'every cached row sealed');
    db.pragma('wal_checkpoint(TRUNCATE)');
    await s.stop();
    db.close();
    for (const f of readdirSync(dir).filter((n) => n.startsWith('rows.db'))) assert.equal(readFileSync(path.join(dir, f)).indexOf(Buffer.from(family)), -1, `${f} holds the name`);
  });

  test('a pull starts with a short page and grows each next one by half, up to the page size', async () => {
    const db = openStore(path.join(dir, 'ramp.db'), { storeKey: key });
    const limits: number[] = [];
    let n = 0;
    const s = createSyncClient({
      store: db,
      server: { ...server({}, []), pullRows: async (_t, _c, limit) => (limits.push(limit), { rows: [], cursor: String(++n), more: n < 6 }) },
      tokenFor: () => 't',
      pullToken: () => 't',
      onTokenRefused: () => {},
      pullPageSize: 2000,
    });
    await s.syncNow();
    assert.deepEqual(limits, [500, 750, 1125, 1688, 2000, 2000]);
    await s.stop();
    db.close();
  });

  test('the next page is asked for as soon as a page\'s header line is in; a header unlike its page is not used', async () => {
    const db = openStore(path.join(dir, 'early.db'), { storeKey: key });
    const calls: string[] = [];
    // Pages after cursor 0, 4 and 9; the page after 4 announces a wrong cursor in its header.
    // Each page's header line comes `head` ms after it was asked for, the whole page `whole` ms.
    const pages: Record<string, { page: PullRowsPage; header: { cursor: string; more: boolean; count: number }; head: number; whole: number }> = {
      '0': { page: { rows: rows.slice(0, 1), cursor: '4', more: true }, header: { cursor: '4', more: true, count: 1 }, head: 1, whole: 10 },
      '4': { page: { rows: rows.slice(1, 2), cursor: '6', more: true }, header: { cursor: '5', more: true, count: 1 }, head: 15, whole: 30 },
      '5': { page: { rows: [], cursor: '6', more: true }, header: { cursor: '6', more: true, count: 1 }, head: 1, whole: 40 },
      '6': { page: { rows: rows.slice(2), cursor: '9', more: false }, header: { cursor: '9', more: false, count: 1 }, head: 1, whole: 10 },
    };
    const s = client(db, {
      ...server({}, []),
      pullRows: (_t, cursor, _l, _s, onHeader) => {
        calls.push(`ask ${cursor}`);
        const { page, header, head, whole } = pages[cursor]!;
        return new Promise((resolve) => {
          setTimeout(() => onHeader?.(header), head);
          setTimeout(() => (calls.push(`in ${cursor}`), resolve(page)), whole);
        });
      },
    });
    await s.syncNow();
    // Page 4 is asked for when page 0's header is in, before page 0; page 4's header names the
    // wrong cursor (5): its early request is dropped, and the page after 4 is asked for by its own cursor.
    assert.deepEqual(calls.slice(0, 7), ['ask 0', 'ask 4', 'in 0', 'ask 5', 'in 4', 'ask 6', 'in 6']);
    assert.equal(getCursor(db), '9');
    assert.equal(cachedRows(db, 'observation', patient)[0]!.value_num, 12.5);
    assert.equal(listDrafts(db, 4, patient)[0]?.text, 'draft text');
    await s.stop();
    db.close();
  });

  test('a server without the rows answer (404) is pulled as JSON, and not asked for rows again', async () => {
    const db = openStore(path.join(dir, 'json.db'), { storeKey: key });
    const calls: string[] = [];
    const change = (r: (typeof rows)[number]) => ({ seq: r.seq, entity: r.entity, id: r.id, data: JSON.parse(r.data) as Record<string, unknown> });
    const s = client(db, server({ json: [{ changes: rows.slice(0, 2).map(change), cursor: '5', more: true }, { changes: rows.slice(2).map(change), cursor: '9', more: false }, { changes: [], cursor: '9', more: false }] }, calls));
    await s.syncNow();
    await s.syncNow();
    assert.deepEqual(calls, ['rows', 'pull', 'pull', 'pull']);
    assert.equal(getCursor(db), '9');
    assert.equal(patientChart(db, patient)?.patient.familyName, family);
    await s.stop();
    db.close();
  });
});
