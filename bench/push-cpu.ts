import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import pg from 'pg';
import { sql } from 'kysely';
import { generateRawNotes } from '../contract/demo/notes';
import { sanitizeDraftText, type Mutation } from '../contract/sync';
import { uuid7 } from '../main/core/uuid7';
import { startSyncHarness } from '../server/testing/sync-harness';
import { adminUrl } from '../server/testing/test-db';
import { STATION_CREDENTIAL_HEADER } from '../contract/sync';
import { WARD_PATIENTS } from './bootstrap';
import { printFigures, writeResults, type Figure } from './lib';
import { startPushLoad } from './push-load';
import { withBranch } from '../server/db/with-branch';
import { pushMutations } from '../server/sync/push';

/*
 * `npm run bench -- push-cpu`: where a pushed batch's CPU goes (issue 18), in CPU time rather
 * than rates, so that a shared machine's load moves it less. One client, batches one after the
 * other, per batch of 500 new drafts: the server process's CPU, the stations' process's CPU
 * (bench/push-load.ts), the PostgreSQL backends' CPU (/proc/<pid>/stat), against the raw
 * multi-row insert's client and backend CPU; and the same batches through pushMutations without
 * HTTP, and sync_push_set alone. PUSH_CPU_PROFILE=<file> writes a CPU profile of the server's
 * process over the HTTP pushes (open it in Chrome's DevTools).
 */
const BATCH = 500;
const ROUNDS = Number(process.env.PUSH_CPU_ROUNDS ?? 30);

const TICK_MS = 10; // USER_HZ = 100 on Linux

function procCpuMs(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** PUSH_CPU_PROFILE=<file>: a CPU profile of the server's process over the HTTP pushes only. */
async function startProfile(): Promise<() => Promise<object>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile;
  };
}

export async function run(): Promise<Record<string, Figure>> {
  const notes = generateRawNotes({ count: 50, seed: 2026 }).map((n) => sanitizeDraftText(n.text).slice(0, 1500));
  const h = await startSyncHarness(WARD_PATIENTS);
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    const backends = async () =>
      (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [h.t.name])).rows.map((r) => r.pid);
    const backendMs = async () => (await backends()).reduce((s, p) => s + procCpuMs(p), 0);
    const token = await h.login('dr.north', 'north', h.north1);
    const userId = (await sql<{ id: number }>`SELECT id FROM users WHERE username = 'dr.north'`.execute(h.t.owner)).rows[0]!.id;
    const patients = h.f.north.patientIds;
    const batch = (): Mutation[] =>
      Array.from({ length: BATCH }, (_, i) => ({
        kind: 'draft.save',
        id: uuid7(),
        payload: { draftId: randomUUID(), patientId: patients[i % patients.length]!, text: notes[i % notes.length]!, baseVersion: 0 },
      }));
    const headers = { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: h.north1.credential, 'content-type': 'application/json' };
    const load = await startPushLoad({ url: `${h.url}/api/sync/push`, headers, patientIds: patients, notes, batch: BATCH });
    await load.run({ clients: 1, batches: 3 });

    await sql`CREATE TABLE bench_drafts_raw (LIKE note_drafts INCLUDING DEFAULTS INCLUDING INDEXES)`.execute(h.t.owner);
    await sql`GRANT SELECT, INSERT ON bench_drafts_raw TO ${sql.id(`${h.t.name}_app`)}`.execute(h.t.owner);
    const raw = new pg.Client({ connectionString: h.t.appUrl });
    await raw.connect();
    const rawBatches = Array.from({ length: ROUNDS + 1 }, () => {
      const params: unknown[] = [];
      const values = batch().map((m, i) => {
        const p = m.payload as { draftId: string; patientId: string; text: string };
        params.push(h.f.north.id, p.draftId, p.patientId, 1, p.text);
        const o = i * 5;
        return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5})`;
      });
      return { text: `INSERT INTO bench_drafts_raw (branch_id, id, patient_id, author_user_id, text) VALUES ${values.join(',')}`, params };
    });
    const rawOnce = async () => {
      const b = rawBatches.pop()!;
      await raw.query('BEGIN');
      await raw.query(b.text, b.params);
      await raw.query('COMMIT');
    };
    await rawOnce();

    const measure = async (op: () => Promise<void>) => {
      const b0 = await backendMs();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < ROUNDS; i++) await op();
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const b = (await backendMs()) - b0;
      return { nodeMs: (c.user + c.system) / 1000 / ROUNDS, backendMs: b / ROUNDS, wallMs: wall / ROUNDS };
    };
    const rawM = await measure(rawOnce);
    let clientCpu = 0;
    const profiler = process.env.PUSH_CPU_PROFILE ? await startProfile() : null;
    const pushM = await measure(async () => {
      clientCpu += (await load.run({ clients: 1, batches: 1 })).clientCpuMs;
    });
    if (profiler) writeFileSync(process.env.PUSH_CPU_PROFILE!, JSON.stringify(await profiler()));
    load.close();
    await raw.end();
    // The same batches without HTTP: pushMutations in withBranch (parse and contract check skipped).
    const actor = { kind: 'user', id: 'bench' } as const;
    const direct = Array.from({ length: ROUNDS }, () => batch());
    const directM = await measure(async () => {
      const b = direct.pop()!;
      await withBranch(h.t.app, h.f.north.id, actor, (trx) => pushMutations(trx, h.north1.id, userId, b));
    });
    const setArgs = Array.from({ length: ROUNDS }, () =>
      JSON.stringify(batch().map((m, i) => {
        const p = m.payload as { draftId: string; patientId: string; text: string; baseVersion: number };
        return { i: i + 1, id: m.id, kind: m.kind, draft: p.draftId, patient: p.patientId, text: p.text, base: p.baseVersion };
      })));
    const setM = await measure(async () => {
      const j = setArgs.pop()!;
      await withBranch(h.t.app, h.f.north.id, actor, (trx) => sql`SELECT sync_push_set(${h.north1.id}::uuid, ${userId}::int, ${j}::json) AS r`.execute(trx));
    });
    const r1 = (x: number) => Math.round(x * 10) / 10;
    const figures: Record<string, Figure> = {
      cpu_raw_client: { value: r1(rawM.nodeMs), unit: 'ms/batch' },
      cpu_raw_backend: { value: r1(rawM.backendMs), unit: 'ms/batch' },
      cpu_push_server: { value: r1(pushM.nodeMs), unit: 'ms/batch' },
      cpu_push_backend: { value: r1(pushM.backendMs), unit: 'ms/batch' },
      cpu_push_stations: { value: r1(clientCpu / ROUNDS), unit: 'ms/batch' },
      cpu_push_mutations_server: { value: r1(directM.nodeMs), unit: 'ms/batch' },
      cpu_push_mutations_backend: { value: r1(directM.backendMs), unit: 'ms/batch' },
      cpu_push_set_backend: { value: r1(setM.backendMs), unit: 'ms/batch' },
      cpu_ratio_backend: { value: rawM.backendMs / pushM.backendMs, unit: 'raw/push' },
      cpu_ratio_total: { value: (rawM.nodeMs + rawM.backendMs) / (pushM.nodeMs + pushM.backendMs), unit: 'raw/push' },
    };
    printFigures(figures);
    writeResults('push-cpu', figures, [
      `CPU time per batch of ${BATCH} new drafts, ${ROUNDS} batches one after the other from one client: process CPU (process.cpuUsage) and the PostgreSQL backends' CPU (/proc/<pid>/stat, 10 ms ticks); less sensitive to the machine's load than rates, not immune to it`,
      'raw: one multi-row INSERT per transaction into a copy of note_drafts without RLS, triggers or idempotency, client = this process; push: POST /api/sync/push, server = this process, stations = bench/push-load.ts process',
      'push_mutations: the same batches through pushMutations in withBranch, no HTTP; push_set: sync_push_set alone with its JSON built beforehand',
    ]);
    return figures;
  } finally {
    await admin.end();
    await h.close();
  }
}
