import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { generateRawNotes } from '../contract/demo/notes';
import { sanitizeDraftText, type Mutation } from '../contract/sync';
import { saveDraft } from '../main/core/drafts';
import { openStore } from '../main/core/store';
import { uuid7 } from '../main/core/uuid7';
import { openLive } from '../server/sync/sse-client';
import { startSyncHarness, type SyncHarness } from '../server/testing/sync-harness';
import { bootstrap, WARD_LABS, WARD_PATIENTS } from './bootstrap';
import { childClient } from './child-client';
import { processesCpu, cpuBetween, ownCpu } from './cpu';
import { FEED_WRITE_MS, FEED_WRITERS, feedWriters } from './feed-writers';
import { percentile, printFigures, writeResults, type Figure } from './lib';
import type { FromPushClient, ToPushClient } from './push-client';

/*
 * Sync, all in one run, each figure with a raw baseline measured here:
 * (a) draft mutations pushed through the server vs raw `pg` inserts of the same rows;
 * (b) a local draft save (draft + outbox in one SQLite transaction) vs a raw better-sqlite3 insert;
 * (c) a change at station A seen by station B of the branch (live event, then pull) vs a raw
 *     PostgreSQL NOTIFY heard by a LISTENing client;
 * (d) a new station bootstrapping a ward of 50 patients with 20,000 lab results vs raw `pg`
 *     select of those rows plus a raw SQLite insert of them;
 * (e) 16 writers of one branch committing in parallel vs the same inserts without the feed.
 */

const PUSH_BATCH = 500;
const PUSH_CLIENTS = 4;
/** Sets of drafts the re-save slices cycle through: more than clients, so no two batches in flight share a draft. */
const RESAVE_SETS = 3 * PUSH_CLIENTS;
/** Interleaved one-second slices of each (BENCH_SYNC_PUSH_SLICES: fewer while developing). */
const PUSH_SLICES = Number(process.env.BENCH_SYNC_PUSH_SLICES ?? 4);
const SAVES = 5000;
const LIVE_ROUNDS = 200;

const ms = (a: number, b: number) => b - a;
const sortNum = (v: number[]) => [...v].sort((x, y) => x - y);

export async function run(): Promise<Record<string, Figure>> {
  const notes = generateRawNotes({ count: 50, seed: 2026 }).map((n) => sanitizeDraftText(n.text).slice(0, 1500));
  const h = await startSyncHarness(WARD_PATIENTS);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-sync-'));
  try {
    // BENCH_SYNC=a,e runs a part (for profiling one figure); only a full run writes the results file.
    const only = new Set((process.env.BENCH_SYNC ?? 'a,b,c,d,e').split(','));
    const a = only.has('a') ? await pushThroughput(h, notes) : {};
    const b = only.has('b') ? localSave(dir, notes) : {};
    const c = only.has('c') ? await liveLatency(h, dir) : {};
    const d = only.has('d') ? await bootstrap(h, dir) : {};
    const e = only.has('e') ? await feedWriters(h) : {};
    const figures: Record<string, Figure> = { ...a, ...b, ...c, ...d, ...e };
    printFigures(figures);
    if (only.size < 5) return figures;
    writeResults('sync', figures, [
      `(a) ${PUSH_CLIENTS} concurrent HTTP clients, batches of ${PUSH_BATCH} new-draft mutations, ${PUSH_SLICES} s each in interleaved 1 s slices, one branch, the stations' load in a process of its own (bench/push-client.ts); baseline: the same rows as one multi-row INSERT per batch transaction on a copy of note_drafts without RLS, triggers or idempotency, same client count; a_resave: the same station saving its drafts again (the autosave pattern), batches of ${PUSH_BATCH} re-saves cycling through ${RESAVE_SETS} sets of drafts, in slices interleaved with the others`,
      `(b) ${SAVES} saves of demo notes, synchronous=NORMAL (WAL); baseline: one INSERT of the same text into a plain table`,
      `(c) ${LIVE_ROUNDS} rounds: from the start of station A's push of one draft save (the push commits durably) until station B's live event, and until B has pulled the change; baseline: raw NOTIFY -> LISTEN between two pg clients`,
      `(d) ${WARD_PATIENTS} patients, ${WARD_LABS} lab results from the demo generator: a new station signs in and pulls the ward into SQLite; baseline: raw pg SELECT of the same rows + raw SQLite insert in one transaction`,
      `(e) ${FEED_WRITERS} concurrent writers in one branch, ${FEED_WRITE_MS} ms each in interleaved 1 s slices: one lab result per transaction into observations (RLS + feed trigger) through withBranch; baseline: the same inserts, same path, into a copy of observations without the feed trigger or RLS; branch_lock: the feed writes with the branch advisory lock the previous feed design took`,
    ]);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  }
}

const pushClient = () => childClient<ToPushClient, FromPushClient>('push-client.ts');

async function pushThroughput(h: SyncHarness, notes: string[]): Promise<Record<string, Figure>> {
  const token = await h.login('dr.north', 'north', h.north1);
  const patients = h.f.north.patientIds;
  const batch = (): Mutation[] =>
    Array.from({ length: PUSH_BATCH }, (_, i) => ({
      kind: 'draft.save',
      id: uuid7(),
      payload: { draftId: randomUUID(), patientId: patients[i % patients.length]!, text: notes[i % notes.length]!, baseVersion: 0 },
    }));
  // Raw baseline table: the same columns, no RLS, no triggers.
  await sql`CREATE TABLE bench_drafts_raw (LIKE note_drafts INCLUDING DEFAULTS INCLUDING INDEXES)`.execute(h.t.owner);
  await sql`GRANT SELECT, INSERT ON bench_drafts_raw TO ${sql.id(`${h.t.name}_app`)}`.execute(h.t.owner);
  const raw = new pg.Pool({ connectionString: h.t.appUrl, max: PUSH_CLIENTS });
  const rawOnce = async () => {
    const rows = batch();
    const c = await raw.connect();
    try {
      await c.query('BEGIN');
      const params: unknown[] = [];
      const values = rows.map((m, i) => {
        const p = m.payload as { draftId: string; patientId: string; text: string };
        params.push(h.f.north.id, p.draftId, p.patientId, 1, p.text);
        const o = i * 5;
        return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5})`;
      });
      await c.query(`INSERT INTO bench_drafts_raw (branch_id, id, patient_id, author_user_id, text) VALUES ${values.join(',')}`, params);
      await c.query('COMMIT');
    } finally {
      c.release();
    }
  };
  // The stations pushing run in their own process (bench/push-client.ts).
  const load = pushClient();
  const prepare = (bodies: number, resaveSets?: number) =>
    load.ask({ op: 'prepare', bodies, url: h.url, token, credential: h.north1.credential, patientIds: patients, notes, batch: PUSH_BATCH, ...(resaveSets ? { resaveSets } : {}) }, 'prepared');
  // CPU of this database's backends only: the cluster may be shared with other work.
  const backends = async () =>
    (await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(h.t.owner)).rows.map((r) => r.pid);
  const dbCpu = async <T>(fn: () => Promise<T>): Promise<{ result: T; db: number; own: number }> => {
    const b0 = processesCpu(await backends());
    const o0 = ownCpu();
    const result = await fn();
    const own = ownCpu() - o0;
    const b1 = processesCpu([...new Set([...(await backends()), ...b0.keys()])]);
    return { result, db: cpuBetween(b0, b1), own };
  };
  const measureRaw = async (ms: number) => {
    let n = 0;
    const end = performance.now() + ms;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: PUSH_CLIENTS }, async () => {
        while (performance.now() < end) {
          await rawOnce();
          n++;
        }
      }),
    );
    return { batches: n, wallMs: performance.now() - start };
  };
  await prepare(2);
  await load.ask({ op: 'run', clients: 1, ms: 1 }, 'ran');
  await rawOnce();
  // Interleaved one-second slices: the machine's load drifts, and both paths meet the same drift.
  const acc = { rawRate: 0, pushRate: 0, rawBatches: 0, rawDb: 0, rawClient: 0, pushBatches: 0, pushDb: 0, server: 0, load: 0, builtLate: 0, resaveRate: 0, resaveBatches: 0, resaveDb: 0, resaveServer: 0 };
  for (let i = 0; i < PUSH_SLICES; i++) {
    const r = await dbCpu(() => measureRaw(1000));
    acc.rawRate += (r.result.batches * PUSH_BATCH) / (r.result.wallMs / 1000);
    acc.rawBatches += r.result.batches;
    acc.rawDb += r.db;
    acc.rawClient += r.own;
    // Enough bodies for 30,000 mutations/s; beyond that the client builds more as it goes.
    await prepare(Math.ceil(30_000 / PUSH_BATCH));
    const p = await dbCpu(() => load.ask({ op: 'run', clients: PUSH_CLIENTS, ms: 1000 }, 'ran'));
    acc.pushRate += p.result.mutations / (p.result.wallMs / 1000);
    acc.pushBatches += p.result.batches;
    acc.pushDb += p.db;
    acc.server += p.own;
    acc.load += p.result.cpuMs / 1000;
    acc.builtLate += p.result.builtLate;
    // The autosave pattern: the same station saving its drafts again (RESAVE_SETS sets in turn).
    await prepare(Math.ceil(30_000 / PUSH_BATCH), RESAVE_SETS);
    const q = await dbCpu(() => load.ask({ op: 'run', clients: PUSH_CLIENTS, ms: 1000 }, 'ran'));
    acc.resaveRate += q.result.mutations / (q.result.wallMs / 1000);
    acc.resaveBatches += q.result.batches;
    acc.resaveDb += q.db;
    acc.resaveServer += q.own;
    acc.builtLate += q.result.builtLate;
  }
  load.close();
  await raw.end();
  const [rawRate, pushRate] = [acc.rawRate / PUSH_SLICES, acc.pushRate / PUSH_SLICES];
  const perBatch = (cpuSeconds: number, batches: number) => (cpuSeconds * 1000) / batches;
  if (acc.builtLate > 0) console.log(`  (the push client built ${acc.builtLate} batches during its slices)`);
  return {
    a_push_rate: { value: Math.round(pushRate), unit: 'mutations/s', goal: '>= 5000' },
    a_raw_insert_rate: { value: Math.round(rawRate), unit: 'rows/s' },
    a_push_ratio: { value: pushRate / rawRate, unit: 'ratio', goal: '>= 0.5' },
    a_push_server_cpu_per_batch: { value: perBatch(acc.server, acc.pushBatches), unit: `ms CPU per ${PUSH_BATCH}-mutation batch (server process)` },
    a_push_db_cpu_per_batch: { value: perBatch(acc.pushDb, acc.pushBatches), unit: `ms CPU per batch (PostgreSQL backends)` },
    a_push_load_cpu_per_batch: { value: perBatch(acc.load, acc.pushBatches), unit: 'ms CPU per batch (load process)' },
    a_raw_db_cpu_per_batch: { value: perBatch(acc.rawDb, acc.rawBatches), unit: `ms CPU per ${PUSH_BATCH}-row insert (PostgreSQL backends)` },
    a_raw_client_cpu_per_batch: { value: perBatch(acc.rawClient, acc.rawBatches), unit: 'ms CPU per insert (raw pg client)' },
    a_resave_rate: { value: Math.round(acc.resaveRate / PUSH_SLICES), unit: 'mutations/s' },
    a_resave_ratio: { value: acc.resaveRate / PUSH_SLICES / rawRate, unit: 'ratio (against the raw insert)' },
    a_resave_server_cpu_per_batch: { value: perBatch(acc.resaveServer, acc.resaveBatches), unit: `ms CPU per ${PUSH_BATCH}-mutation batch (server process)` },
    a_resave_db_cpu_per_batch: { value: perBatch(acc.resaveDb, acc.resaveBatches), unit: 'ms CPU per batch (PostgreSQL backends)' },
    // Wall-clock-free: what the raw insert costs in CPU (database + client) over what a push costs (database + server).
    a_push_cpu_ratio: {
      value: (perBatch(acc.rawDb, acc.rawBatches) + perBatch(acc.rawClient, acc.rawBatches)) / (perBatch(acc.pushDb, acc.pushBatches) + perBatch(acc.server, acc.pushBatches)),
      unit: 'ratio (raw CPU / push CPU per batch)',
    },
  };
}

function localSave(dir: string, notes: string[]): Record<string, Figure> {
  const store = openStore(path.join(dir, 'bench-save.db'));
  const raw = new Database(path.join(dir, 'bench-raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.exec('CREATE TABLE raw_drafts (id TEXT PRIMARY KEY, user_id INTEGER, patient_id TEXT, text TEXT, updated_at INTEGER)');
  const ins = raw.prepare('INSERT INTO raw_drafts VALUES (?, ?, ?, ?, ?)');
  const drafts = Array.from({ length: 20 }, () => ({ id: randomUUID(), patientId: randomUUID() }));
  const save: number[] = [];
  const rawT: number[] = [];
  for (let i = 0; i < SAVES; i++) {
    const d = drafts[i % drafts.length]!;
    const text = `${notes[i % notes.length]} ${i}`;
    let t = performance.now();
    saveDraft(store, 1, { draftId: d.id, patientId: d.patientId, text });
    save.push(performance.now() - t);
    t = performance.now();
    ins.run(randomUUID(), 1, d.patientId, text, Date.now());
    rawT.push(performance.now() - t);
  }
  store.close();
  raw.close();
  const s = sortNum(save);
  const r = sortNum(rawT);
  return {
    b_save_p50: { value: percentile(s, 50), unit: 'ms' },
    b_save_p99: { value: percentile(s, 99), unit: 'ms', goal: '<= 2' },
    b_raw_insert_p50: { value: percentile(r, 50), unit: 'ms' },
    b_raw_insert_p99: { value: percentile(r, 99), unit: 'ms' },
    b_save_p50_ratio: { value: percentile(s, 50) / percentile(r, 50), unit: 'x raw' },
    b_save_p99_ratio: { value: percentile(s, 99) / percentile(r, 99), unit: 'x raw' },
  };
}

async function liveLatency(h: SyncHarness, _dir: string): Promise<Record<string, Figure>> {
  const tokenA = await h.login('dr.north', 'north', h.north1);
  const tokenB = await h.login('dr.north', 'north', h.north2);
  const live = await openLive(h.url, h.north2.credential, tokenB);
  let cursor = await live.next(() => true);
  const heard: number[] = [];
  const seen: number[] = [];
  for (let i = 0; i < LIVE_ROUNDS + 10; i++) {
    // Station A's saved draft leaves in a push; station B hears of it and pulls it.
    const t0 = performance.now();
    await h.push(h.north1, tokenA, [{ kind: 'draft.save', id: uuid7(), payload: { draftId: randomUUID(), patientId: h.f.north.patientIds[i % WARD_PATIENTS]!, text: `live ${i}`, baseVersion: 0 } }]);
    const prev = cursor;
    cursor = await live.next((c) => BigInt(c) > BigInt(prev));
    const t1 = live.events.find((e) => e.cursor === cursor)!.at;
    const page = await h.pull(h.north2, tokenB, prev, 100);
    const t2 = performance.now();
    if (!page.changes.some((c) => c.data.text === `live ${i}`)) throw new Error('change not pulled');
    if (i >= 10) {
      heard.push(ms(t0, t1));
      seen.push(ms(t0, t2));
    }
  }
  live.close();

  // Raw baseline: NOTIFY on one connection, heard by a LISTENing one.
  const listener = new pg.Client({ connectionString: h.t.appUrl });
  const notifier = new pg.Client({ connectionString: h.t.appUrl });
  await listener.connect();
  await notifier.connect();
  await listener.query('LISTEN bench_raw');
  const rawT: number[] = [];
  for (let i = 0; i < LIVE_ROUNDS; i++) {
    const t0 = performance.now();
    const got = new Promise<void>((r) => listener.once('notification', () => r()));
    await notifier.query(`NOTIFY bench_raw, '${i}'`);
    await got;
    rawT.push(performance.now() - t0);
  }
  await listener.end();
  await notifier.end();
  const s = sortNum(seen);
  const hd = sortNum(heard);
  const r = sortNum(rawT);
  return {
    c_seen_p50: { value: percentile(s, 50), unit: 'ms', goal: '<= 20' },
    c_seen_p99: { value: percentile(s, 99), unit: 'ms' },
    c_live_event_p50: { value: percentile(hd, 50), unit: 'ms' },
    c_raw_notify_p50: { value: percentile(r, 50), unit: 'ms' },
    c_raw_notify_p99: { value: percentile(r, 99), unit: 'ms' },
    c_seen_p50_ratio: { value: percentile(s, 50) / percentile(r, 50), unit: 'x raw' },
  };
}
