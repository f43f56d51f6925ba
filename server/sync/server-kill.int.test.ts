import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { generateRawNotes } from '../../contract/demo/notes';
import { sanitizeDraftText, STATION_CREDENTIAL_HEADER, type Mutation } from '../../contract/sync';
import { enrolStation } from '../admin/credentials';
import { withBranch } from '../db/with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../testing/fixtures';
import { draftSave } from '../testing/sync-harness';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The server in a child process, SIGKILLed while batches are in flight. */
describe('sync: server killed mid-batch', () => {
  let t: TestDatabase;
  let f: TwoBranches;

  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 5);
  });
  after(() => t.close());

  test('every acknowledged mutation is stored, and no mutation half-applied', async () => {
    const station = await enrolStation(t.owner, 'north', 'n-med', 'kill test');
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.appUrl, DATABASE_OWNER_URL: '', PORT: '0', HOST: '127.0.0.1', SESSION_IDLE_MINUTES: '30' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stderr!.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /"message":"listening","url":"([^"]+)"/.exec(buf);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error('server exited')));
    });
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [STATION_CREDENTIAL_HEADER]: station.credential },
      body: JSON.stringify({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' }),
    });
    const { token } = (await login.json()) as { token: string };
    const notes = generateRawNotes({ count: 30, seed: 3 }).map((n) => sanitizeDraftText(n.text));
    const acknowledged = new Map<string, string>(); // mutation id -> text
    const sent = new Set<string>();
    let k = 0;
    const client = async () => {
      for (;;) {
        const batch: Mutation[] = Array.from({ length: 50 }, () => {
          const text = `${notes[k++ % notes.length]} #${k}`;
          return draftSave(randomUUID(), f.north.patientIds[k % 5]!, text, 0);
        });
        batch.forEach((m) => sent.add(m.id));
        try {
          const r = await fetch(`${url}/api/sync/push`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: station.credential },
            body: JSON.stringify({ mutations: batch }),
          });
          if (r.status !== 200) return;
          const body = (await r.json()) as { results: { id: string; status: string }[] };
          for (const [i, res] of body.results.entries()) {
            assert.equal(res.status, 'applied');
            const m = batch[i]!;
            if (m.kind === 'draft.save') acknowledged.set(res.id, m.payload.text);
          }
        } catch {
          return; // the server is gone
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    // Kill at a random moment once batches are being acknowledged (a loaded machine is slow to start).
    const deadline = Date.now() + 30_000;
    while (acknowledged.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, Math.random() * 800));
    child.kill('SIGKILL');
    await Promise.all(clients);
    assert.ok(acknowledged.size > 0, 'some batches were acknowledged before the kill');

    const admin = { kind: 'admin', id: 'test' } as const;
    const stored = await withBranch(t.owner, f.north.id, admin, async (trx) => {
      const muts = await trx.selectFrom('sync_mutations').select(['id']).where('station_id', '=', station.id).execute();
      const drafts = await trx.selectFrom('note_drafts').select(['id', 'text', 'last_mutation_id']).where('last_station_id', '=', station.id).execute();
      return { muts: new Set(muts.map((m) => m.id)), drafts: new Map(drafts.map((d) => [d.last_mutation_id!, d.text])) };
    });
    for (const [id, text] of acknowledged) {
      assert.ok(stored.muts.has(id), 'acknowledged mutation recorded');
      assert.equal(stored.drafts.get(id), text, 'acknowledged draft stored with its text');
    }
    // All or nothing per batch transaction: every recorded mutation has its draft.
    assert.equal(stored.muts.size, stored.drafts.size);
    for (const id of stored.muts) assert.ok(sent.has(id) && stored.drafts.has(id));
  });
});
