import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { generateDemoHospital } from '../contract/demo/hospital';
import { createStation } from '../main/core/station';
import { withBranch } from '../server/db/with-branch';
import { compactBranch } from '../server/sync/compact';
import { labResultColumns } from '../server/seed/seed';
import { TEST_PASSWORD } from '../server/testing/fixtures';
import { startServerProcess } from '../server/testing/server-process';
import { startSyncHarness, type SyncHarness } from '../server/testing/sync-harness';
import { cpuBetween, ownCpu, processCpu, processesCpu } from './cpu';
import { median, printFigures, writeResults, type Figure } from './lib';

/*
 * A new station bootstrapping its ward: 50 patients and 20,000 lab results, from sign-in until
 * the ward is in its SQLite file, against a raw copy of the same rows measured in the same run
 * (one pg SELECT of every row as JSON text, then one SQLite transaction of plain inserts). Rounds
 * alternate station and raw copy, each station into a new folder; medians are reported.
 *
 * The server runs in its own process, as it does for a real station (another machine): in this
 * process it would share the station's event loop, and the station's inserts could never overlap
 * the server's reading of the next page. The tables are ANALYZEd after loading, as a database
 * that has held a ward for more than a minute is (autovacuum).
 *
 * Beside wall time, CPU time (from /proc: what the shared machine's load inflates least): the
 * station's (this process, its thread pool included), the server process's and PostgreSQL's
 * (the backends of the bench's database: backendsCpu), against the raw copy's (this process and
 * its backend).
 */

export const WARD_PATIENTS = 50;
export const WARD_LABS = 20_000;
const ROUNDS = Number(process.env.BOOTSTRAP_ROUNDS ?? 3);
const PAGE = Number(process.env.BOOTSTRAP_PAGE ?? 5000);
/** The station's first page (it grows by half each page up to PAGE); BOOTSTRAP_FIRST_PAGE=5000: whole pages from the start. */
const FIRST_PAGE = process.env.BOOTSTRAP_FIRST_PAGE ? Number(process.env.BOOTSTRAP_FIRST_PAGE) : undefined;

export async function run(): Promise<Record<string, Figure>> {
  const h = await startSyncHarness(WARD_PATIENTS);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-bootstrap-'));
  try {
    const figures = { ...(await bootstrap(h, dir, ROUNDS)), ...(await afterHistory(h, dir, ROUNDS)) };
    printFigures(figures);
    writeResults('bootstrap', figures, [
      `${WARD_PATIENTS} patients, ${WARD_LABS} lab results from the demo generator; ${ROUNDS} rounds, medians`,
      `d_bootstrap: a new station signs in (password hashing on server and station included) and pulls the ward into SQLite from a server in its own process; pages as feed rows (the first of ${FIRST_PAGE ?? 500} rows, each next half again as big up to ${PAGE}) are fetched one ahead while the previous one is inserted, one SQLite transaction per page; d_bootstrap_one_page_at_a_time: the same without fetching ahead`,
      'd_raw_copy: raw pg SELECT of the same rows as JSON text + raw SQLite insert of that text in one transaction; d_raw_copy_parsed: the copy before 2026-12-03 (pg parses each row, JSON.stringify again), for reference',
      `d_history_*: the same ward after every lab result was written ${HISTORY_TOUCHES} more times (each write appends the row's new state to the feed, as an amended result or an autosaved draft does): a new station's bootstrap before and after the server's feed compaction (server/sync/compact.ts) removed the superseded copies, against the same run's raw copy of the tables`,
      'd_*_cpu: CPU seconds from /proc (station = this process with its thread pool; server process; the PostgreSQL backends of the bench database, not the shared cluster), the fetch-ahead bootstrap against the raw copy (this process + its backend)',
    ]);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  }
}

/** Fills the south branch to the ward's size, then times `rounds` bootstraps against raw copies. */
export async function bootstrap(h: SyncHarness, dir: string, rounds = 1): Promise<Record<string, Figure>> {
  const demo = generateDemoHospital({ patientsPerBranch: 10, labsPerPatient: 40 }).labResults;
  // South: a ward that only the bootstrap writes to (north carries the other figures' drafts).
  const patients = h.f.south.patientIds;
  const admin = { kind: 'admin', id: 'bench' } as const;
  const existing = await withBranch(h.t.owner, h.f.south.id, admin, (trx) =>
    trx.selectFrom('observations').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  );
  const rows = Array.from({ length: WARD_LABS - existing.n }, (_, i) => {
    const l = demo[i % demo.length]!;
    return { branch_id: h.f.south.id, patient_id: patients[i % patients.length]!, ...labResultColumns(l) };
  });
  for (let i = 0; i < rows.length; i += 2000) {
    await withBranch(h.t.owner, h.f.south.id, admin, (trx) => trx.insertInto('observations').values(rows.slice(i, i + 2000)).execute());
  }
  await sql`ANALYZE observations`.execute(h.t.owner);
  await sql`ANALYZE change_feed`.execute(h.t.owner);
  if (rounds === 0) return {};
  const server = await startServerProcess({ databaseUrl: h.t.appUrl });
  const cpu = async (): Promise<Cpu> => ({ own: ownCpu(), server: processCpu(server.child.pid!) ?? Number.NaN, pg: await backendsCpu(h) });

  const total: number[] = [];
  const pullOnly: number[] = [];
  const serial: number[] = [];
  const raw: number[] = [];
  const rawParsed: number[] = [];
  const cpuStation: Spent[] = [];
  const cpuRaw: Spent[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const c0 = await cpu();
      const ahead = await station(h, server.url, path.join(dir, `bootstrap-${round}`), true);
      const c1 = await cpu();
      total.push(ahead.total);
      pullOnly.push(ahead.pull);
      serial.push((await station(h, server.url, path.join(dir, `bootstrap-serial-${round}`), false)).total);
      const c2 = await cpu();
      const copy = await rawCopy(h, path.join(dir, `bootstrap-raw-${round}.db`));
      const c3 = await cpu();
      raw.push(copy.seconds);
      rawParsed.push((await rawCopy(h, path.join(dir, `bootstrap-raw-parsed-${round}.db`), true)).seconds);
      cpuStation.push(between(c0, c1));
      // The copy's own connection has ended by c3: its backend's CPU was read before it did.
      const r = between(c2, c3);
      cpuRaw.push({ ...r, pg: r.pg + copy.backendCpu });
    }
  } finally {
    await server.stop();
  }
  const d = median(total);
  const r = median(raw);
  const sum = (c: Spent) => c.own + c.server + c.pg;
  const cpuD = median(cpuStation.map(sum));
  const cpuR = median(cpuRaw.map(sum));
  return {
    d_bootstrap: { value: d, unit: 's', goal: '<= 2' },
    d_bootstrap_pull_only: { value: median(pullOnly), unit: 's' },
    d_bootstrap_one_page_at_a_time: { value: median(serial), unit: 's' },
    d_raw_copy: { value: r, unit: 's' },
    d_raw_copy_parsed: { value: median(rawParsed), unit: 's' },
    d_bootstrap_ratio: { value: d / r, unit: 'x raw', goal: '<= 1.3' },
    d_bootstrap_pull_only_ratio: { value: median(pullOnly) / r, unit: 'x raw' },
    d_bootstrap_cpu: { value: cpuD, unit: 's cpu' },
    d_bootstrap_cpu_station: { value: median(cpuStation.map((c) => c.own)), unit: 's cpu' },
    d_bootstrap_cpu_server: { value: median(cpuStation.map((c) => c.server)), unit: 's cpu' },
    d_bootstrap_cpu_postgres: { value: median(cpuStation.map((c) => c.pg)), unit: 's cpu' },
    d_raw_copy_cpu: { value: cpuR, unit: 's cpu' },
    d_bootstrap_cpu_ratio: { value: cpuD / cpuR, unit: 'x raw' },
  };
}

/** Writes of every lab result after the first in d_history_*. */
const HISTORY_TOUCHES = 2;

/**
 * The ward of `bootstrap` with a history: each lab result written HISTORY_TOUCHES more times, so
 * the feed holds (1 + HISTORY_TOUCHES) rows per result; a new station bootstraps it as it is,
 * then again after compaction left one row per result. Run after `bootstrap` (it changes the ward).
 */
async function afterHistory(h: SyncHarness, dir: string, rounds: number): Promise<Record<string, Figure>> {
  const admin = { kind: 'admin', id: 'bench' } as const;
  for (let i = 0; i < HISTORY_TOUCHES; i++) {
    await withBranch(h.t.owner, h.f.south.id, admin, (trx) => sql`UPDATE observations SET updated_at = now()`.execute(trx));
  }
  await sql`ANALYZE change_feed`.execute(h.t.owner);
  const feedRows = async () =>
    (await withBranch(h.t.owner, h.f.south.id, admin, (trx) => sql<{ n: number }>`SELECT count(*)::int AS n FROM change_feed`.execute(trx))).rows[0]!.n;
  const before = await feedRows();
  const server = await startServerProcess({ databaseUrl: h.t.appUrl });
  const uncompacted: number[] = [];
  const compacted: number[] = [];
  const raw: number[] = [];
  let after = before;
  let compactSeconds = 0;
  try {
    for (let round = 0; round < rounds; round++) uncompacted.push((await station(h, server.url, path.join(dir, `history-${round}`), true)).total);
    const c0 = performance.now();
    await compactBranch(h.t.app, h.f.south.id, { maxWindows: 1000 });
    compactSeconds = (performance.now() - c0) / 1000;
    await sql`ANALYZE change_feed`.execute(h.t.owner);
    after = await feedRows();
    for (let round = 0; round < rounds; round++) {
      compacted.push((await station(h, server.url, path.join(dir, `history-compacted-${round}`), true)).total);
      raw.push((await rawCopy(h, path.join(dir, `history-raw-${round}.db`))).seconds);
    }
  } finally {
    await server.stop();
  }
  const r = median(raw);
  return {
    d_history_feed_rows_before: { value: before, unit: 'feed rows' },
    d_history_feed_rows_after: { value: after, unit: 'feed rows' },
    d_history_compaction: { value: compactSeconds, unit: 's (whole branch, windows of 10,000 rows)' },
    d_history_bootstrap_uncompacted: { value: median(uncompacted), unit: 's' },
    d_history_bootstrap_compacted: { value: median(compacted), unit: 's', goal: '<= 2' },
    d_history_raw_copy: { value: r, unit: 's' },
    d_history_uncompacted_ratio: { value: median(uncompacted) / r, unit: 'x raw' },
    d_history_compacted_ratio: { value: median(compacted) / r, unit: 'x raw' },
  };
}

interface Cpu {
  own: number;
  server: number;
  /** The CPU seconds of each backend of the bench's database, by pid. */
  pg: Map<number, number>;
}
/** CPU seconds spent between two readings. */
interface Spent {
  own: number;
  server: number;
  pg: number;
}
const between = (a: Cpu, b: Cpu): Spent => ({ own: b.own - a.own, server: b.server - a.server, pg: cpuBetween(a.pg, b.pg) });

/**
 * The backends serving the bench's own database (the server's pool, the harness's): the
 * PostgreSQL cluster is shared with other work on this machine, whose CPU counting the whole
 * cluster took in (0.25 to 0.57 s for the same bootstrap in one session). The cluster's
 * background processes (WAL writer, checkpointer) are left out on both sides.
 */
export async function backendsCpu(h: SyncHarness): Promise<Map<number, number>> {
  const r = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(h.t.owner);
  return processesCpu(r.rows.map((x) => x.pid));
}

/** A new station signs in and pulls the ward; seconds in all, and from signed in to done. */
async function station(h: SyncHarness, serverUrl: string, dataDir: string, pullAhead: boolean): Promise<{ total: number; pull: number }> {
  const t0 = performance.now();
  const st = createStation({ dataDir, serverUrl, credential: h.south1.credential, autoSync: false, sync: { pullPageSize: PAGE, pullAhead, ...(FIRST_PAGE ? { pullFirstPage: FIRST_PAGE } : {}) } });
  try {
    await st.handlers.signIn({ username: 'dr.south', password: TEST_PASSWORD, branch: 'south' });
    const signedIn = performance.now();
    await st.handlers.syncNow({});
    const t1 = performance.now();
    const cached = st.store.prepare("SELECT count(*) FROM cache WHERE entity = 'observation'").pluck().get() as number;
    const cachedPatients = st.store.prepare("SELECT count(*) FROM cache WHERE entity = 'patient'").pluck().get() as number;
    if (cached < WARD_LABS || cachedPatients < WARD_PATIENTS) throw new Error(`bootstrap incomplete: ${cachedPatients} patients, ${cached} labs`);
    return { total: (t1 - t0) / 1000, pull: (t1 - signedIn) / 1000 };
  } finally {
    await st.close();
  }
}

/**
 * The same rows straight out of PostgreSQL into a plain SQLite table; seconds. Each row comes as
 * its JSON text and is stored as that text, as the station stores the feed's text: until
 * 2026-12-03 the copy had pg parse every row's jsonb into objects and then stringified them
 * again, about 0.15 s of CPU that no copy needs (`parsed`: that copy, kept as a reference).
 */
async function rawCopy(h: SyncHarness, file: string, parsed = false): Promise<{ seconds: number; backendCpu: number }> {
  const r0 = performance.now();
  const client = new pg.Client({ connectionString: h.t.ownerUrl });
  await client.connect();
  // pg's client knows its backend's pid from the connection start (not in its type declarations).
  const backend = (client as unknown as { processID: number }).processID;
  await client.query('BEGIN');
  await client.query(`SELECT set_config('app.current_branch', '${h.f.south.id}', true)`);
  const all = await client.query(
    parsed
      ? 'SELECT id, to_jsonb(o) AS data FROM observations o UNION ALL SELECT id, to_jsonb(p) FROM patients p'
      : 'SELECT id, to_jsonb(o)::text AS data FROM observations o UNION ALL SELECT id, to_jsonb(p)::text FROM patients p',
  );
  await client.query('COMMIT');
  const backendCpu = processCpu(backend) ?? Number.NaN;
  await client.end();
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.exec('CREATE TABLE rows (id TEXT PRIMARY KEY, data TEXT NOT NULL)');
  const put = raw.prepare('INSERT INTO rows (id, data) VALUES (?, ?)');
  raw.transaction(() => {
    for (const row of all.rows as { id: string; data: unknown }[]) put.run(row.id, parsed ? JSON.stringify(row.data) : (row.data as string));
  })();
  raw.close();
  return { seconds: (performance.now() - r0) / 1000, backendCpu };
}
