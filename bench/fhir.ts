import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import pg from 'pg';
import { sql } from 'kysely';
import { addApiClient } from '../server/admin/credentials';
import { addBranch } from '../server/admin/branches';
import { DEFAULT_AUTH_POLICY } from '../server/auth/policy';
import { withBranch } from '../server/db/with-branch';
import { cursorSecretLoader } from '../server/fhir/config';
import { buildServer } from '../server/http/app';
import { silentLogger } from '../server/log';
import { adminUrl, createTestDatabase } from '../server/testing/test-db';
import { LOINC_LABS } from '../contract/clinical/loinc';
import { cpuBetween, ownCpu, processesCpu } from './cpu';
import { countQueries } from './query-count';
import { searchPhases } from './fhir-phases';
import { runLoad, type LoadRequest } from './http-load';
import { percentile, printFigures, writeResults, type Figure } from './lib';

/*
 * FHIR Observation search by patient and code: 1,000,000 observations over 20 branches,
 * 50 concurrent clients.
 *  - end to end: GET /fhir/Observation?patient=…&code=… over HTTP with API-client tokens of random
 *    branches (authentication, withBranch, search, audit row, JSON), the clients in a child
 *    process (bench/http-load.ts): neither the server's event loop nor its process;
 *  - the search statement alone, through withBranch under RLS, against the same statement run raw
 *    (explicit branch filter, a role without RLS) on the same table, interleaved in the same run.
 */

const BRANCHES = 20;
const PATIENTS_PER_BRANCH = 1000;
// BENCH_FHIR_OBSERVATIONS_PER_BRANCH: a smaller table for profiling runs (the figures are written only at full size).
const OBSERVATIONS_PER_BRANCH = Number(process.env.BENCH_FHIR_OBSERVATIONS_PER_BRANCH ?? 50_000);
const CLIENTS = 50;
const POOL = 10;
const HTTP_ROUND_MS = 10_000;
const SQL_ROUND_MS = 5_000;
const ROUNDS = 3;
const PHASE_REQUESTS = 300;
// BENCH_FHIR_CPU_PROFILE=<file.cpuprofile>: a CPU profile of the server's process during the HTTP rounds only.
const CPU_PROFILE = process.env.BENCH_FHIR_CPU_PROFILE;
const CODES = LOINC_LABS.filter((l) => l.answers.length === 0).slice(0, 10).map((l) => l.code);

// The statement observationStore.search issues for patient + code (server/fhir/resources/observation.ts).
const SEARCH = `SELECT id, patient_id, subject_mrn, loinc, display, value_num, value_text, comparator, unit, ref_low, ref_high,
  interpretation, status, effective_at, issued_at, identifier_system, identifier_value, updated_at, version,
  to_char(effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_key
  FROM observations WHERE patient_id = $1::uuid AND loinc = $2 %BRANCH% ORDER BY effective_at DESC, id DESC LIMIT 21`;

async function timed(clients: number, ms: number, op: (w: number) => Promise<void>): Promise<{ rate: number; latencies: number[] }> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await op(w);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { rate: latencies.length / ((performance.now() - start) / 1000), latencies };
}

export async function run(): Promise<Record<string, Figure>> {
  const t0 = performance.now();
  const t = await createTestDatabase({ appPoolSize: POOL });
  const admin = { kind: 'admin', id: 'bench' } as const;
  const branches: { id: number; token: string }[] = [];
  for (let b = 0; b < BRANCHES; b++) {
    const branch = await addBranch(t.owner, `b${b}`, `Branch ${b}`);
    await withBranch(t.owner, branch.id, admin, async (trx) => {
      await sql`
        INSERT INTO patients (branch_id, mrn, national_id, family_name, given_names, birth_date, sex)
        SELECT ${branch.id}, 'M' || g, 'NID' || g, 'Family' || g, ARRAY['Given'], date '1940-01-01' + (g * 7 % 20000), 'unknown'
          FROM generate_series(1, ${PATIENTS_PER_BRANCH}) g`.execute(trx);
      await sql`
        WITH p AS (SELECT id, row_number() OVER (ORDER BY mrn) - 1 AS n FROM patients)
        INSERT INTO observations (branch_id, patient_id, loinc, display, value_num, unit, status, effective_at)
        SELECT ${branch.id}, p.id, (${CODES}::text[])[1 + (g / ${PATIENTS_PER_BRANCH}) % ${CODES.length}], 'Lab result',
               round((random() * 100)::numeric, 1), 'mg/dL', 'final', timestamptz '2026-11-01' - make_interval(mins => g)
          FROM generate_series(0, ${OBSERVATIONS_PER_BRANCH - 1}) g JOIN p ON p.n = g % ${PATIENTS_PER_BRANCH}`.execute(trx);
    });
    branches.push({ id: branch.id, token: (await addApiClient(t.owner, `b${b}`, 'Bench Lab', ['read:*'])).token });
  }
  // Steady state before measuring: hint bits and the visibility map set (a first read of a fresh
  // row would otherwise write WAL), and the load's dirty pages written out (CHECKPOINT below), so
  // neither path pays for the data generation.
  await sql`VACUUM ANALYZE`.execute(t.owner);
  const generatedS = (performance.now() - t0) / 1000;

  // A role without row-level security (the test cluster's administrator) for the raw baseline.
  const rawUrl = new URL(adminUrl());
  rawUrl.pathname = `/${t.name}`;
  const raw = new pg.Pool({ connectionString: rawUrl.toString(), max: POOL });
  // An idle connection ended by the database (a restart, an administrator) must not end the run.
  raw.on('error', () => {});
  await raw.query('CHECKPOINT');
  const total = Number((await raw.query('SELECT count(*) AS n FROM observations')).rows[0].n);
  const targets = (await raw.query<{ branch_id: number; id: string }>('SELECT branch_id, id FROM patients ORDER BY random() LIMIT 5000')).rows.map((r, i) => ({
    branch: r.branch_id,
    patient: r.id,
    code: CODES[i % CODES.length]!,
  }));
  let next = 0;
  const pick = () => targets[next++ % targets.length]!;
  const tokenOf = new Map(branches.map((b) => [b.id, b.token]));

  const plan = await withBranch(t.app, targets[0]!.branch, admin, (trx) =>
    sql<{ 'QUERY PLAN': string }>`EXPLAIN ${sql.raw(SEARCH.replace('%BRANCH%', '').replace('$1::uuid', `'${targets[0]!.patient}'::uuid`).replace('$2', `'${targets[0]!.code}'`))}`.execute(trx),
  );
  const planText = plan.rows.map((r) => r['QUERY PLAN']).join(' | ');

  const { app } = await buildServer({ db: t.app, policy: DEFAULT_AUTH_POLICY, log: silentLogger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/fhir`;
  let failures = 0;
  // CPU per request on each side (load-independent figures) and statements sent per request.
  // PostgreSQL's side is this database's backends and the cluster's shared writers (WAL writer,
  // checkpointer, background writer), not the whole cluster: on a shared machine other
  // databases' work would count as this benchmark's.
  const benchBackends = async () =>
    (
      await raw.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`, [t.name])
    ).rows.map((r) => r.pid);
  const selfCpuMs = () => ownCpu() * 1000;
  const queries = countQueries(pg.Client);
  type Cpu = { n: number; self: number; pg: number; load: number; statements: number };
  const cpuOf = { http: { n: 0, self: 0, pg: 0, load: 0, statements: 0 }, rls: { n: 0, self: 0, pg: 0, load: 0, statements: 0 }, raw: { n: 0, self: 0, pg: 0, load: 0, statements: 0 } };
  const accounted = async <R extends { latencies: number[]; cpuMs?: number }>(acc: Cpu | null, run: () => Promise<R>): Promise<R> => {
    const pids = await benchBackends();
    const p0 = processesCpu(pids);
    const s0 = selfCpuMs();
    queries.start();
    const r = await run();
    const statements = queries.take();
    const self = selfCpuMs() - s0;
    // A backend first seen after the round started in it and counts whole.
    const p1 = processesCpu([...new Set([...pids, ...(await benchBackends())])]);
    if (acc) {
      acc.n += r.latencies.length;
      acc.self += self;
      acc.pg += cpuBetween(p0, p1) * 1000;
      acc.load += r.cpuMs ?? 0;
      acc.statements += statements;
    }
    return r;
  };
  const httpRequests: LoadRequest[] = targets.map((q) => ({
    url: `${base}/Observation?patient=${q.patient}&code=${q.code}`,
    headers: { authorization: `Bearer ${tokenOf.get(q.branch)}`, accept: 'application/fhir+json' },
  }));
  const profiler = CPU_PROFILE ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
  }
  const httpRound = async (ms: number, acc: Cpu | null = null) => {
    if (profiler && acc) await profiler.post('Profiler.start');
    const r = await accounted(acc, () => runLoad({ requests: httpRequests, clients: CLIENTS, ms }));
    if (profiler && acc) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(`${CPU_PROFILE}.${cpuOf.http.n}`, JSON.stringify(profile));
    }
    failures += r.failures;
    return r;
  };
  // The same statement, parameters bound, through withBranch (RLS adds the branch predicate).
  const scoped = async () => {
    const q = pick();
    const r = await withBranch(t.app, q.branch, { kind: 'client', id: 'bench' }, (trx) =>
      sql`SELECT id, patient_id, subject_mrn, loinc, display, value_num, value_text, comparator, unit, ref_low, ref_high,
            interpretation, status, effective_at, issued_at, identifier_system, identifier_value, updated_at, version,
            to_char(effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_key
            FROM observations WHERE patient_id = ${q.patient}::uuid AND loinc = ${q.code} ORDER BY effective_at DESC, id DESC LIMIT 21`.execute(trx),
    );
    if (r.rows.length === 0) failures++;
  };
  const rawStatement = SEARCH.replace('%BRANCH%', 'AND branch_id = $3');
  const rawSearch = async () => {
    const q = pick();
    const c = await raw.connect();
    try {
      await c.query('BEGIN');
      const r = await c.query(rawStatement, [q.patient, q.code, q.branch]);
      await c.query('COMMIT');
      if (r.rows.length === 0) failures++;
    } finally {
      c.release();
    }
  };

  // Warm up: the FHIR schema validator compiles on first use (seconds), plans and connections.
  await httpRound(1000);
  await timed(CLIENTS, 1000, scoped);
  await timed(CLIENTS, 1000, rawSearch);
  failures = 0;

  const http = { rates: [] as number[], lat: [] as number[] };
  const rls = { rates: [] as number[], lat: [] as number[] };
  const base_ = { rates: [] as number[], lat: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order so drift on a shared machine favours neither path.
    const order = r % 2 === 0 ? ([[rls, scoped, cpuOf.rls], [base_, rawSearch, cpuOf.raw]] as const) : ([[base_, rawSearch, cpuOf.raw], [rls, scoped, cpuOf.rls]] as const);
    for (const [acc, op, cpu] of order) {
      const m = await accounted(cpu, () => timed(CLIENTS, SQL_ROUND_MS, op));
      acc.rates.push(m.rate);
      acc.lat.push(...m.latencies);
    }
    if (r < 2) {
      const m = await httpRound(HTTP_ROUND_MS, cpuOf.http);
      http.rates.push(m.rate);
      http.lat.push(...m.latencies);
    }
  }
  const secret = await cursorSecretLoader(t.app, null)();
  const phases = await searchPhases(
    t.app,
    DEFAULT_AUTH_POLICY,
    secret,
    targets.slice(0, 200).map((q, i) => ({ ...q, token: tokenOf.get(q.branch)!, url: httpRequests[i]!.url })),
    PHASE_REQUESTS,
  );
  await app.close();
  await raw.end();
  await t.close();

  const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  const [h, s, b] = [sorted(http.lat), sorted(rls.lat), sorted(base_.lat)];
  const figures: Record<string, Figure> = {
    observations: { value: total, unit: 'rows' },
    branches: { value: BRANCHES, unit: 'branches' },
    fhir_http_p50: { value: percentile(h, 50), unit: 'ms' },
    fhir_http_p95: { value: percentile(h, 95), unit: 'ms' },
    fhir_http_rate: { value: Math.round(mean(http.rates)), unit: 'req/s' },
    sql_rls_p50: { value: percentile(s, 50), unit: 'ms' },
    sql_rls_p95: { value: percentile(s, 95), unit: 'ms' },
    sql_rls_rate: { value: Math.round(mean(rls.rates)), unit: 'tx/s' },
    sql_raw_p50: { value: percentile(b, 50), unit: 'ms' },
    sql_raw_p95: { value: percentile(b, 95), unit: 'ms' },
    sql_raw_rate: { value: Math.round(mean(base_.rates)), unit: 'tx/s' },
    rls_ratio: { value: mean(rls.rates) / mean(base_.rates), unit: 'ratio (RLS / raw throughput)', goal: '>= 0.8' },
    fhir_http_vs_raw_sql_ratio: { value: mean(http.rates) / mean(base_.rates), unit: 'ratio', goal: '>= 0.5' },
    fhir_http_p95_vs_raw_p95: { value: percentile(h, 95) / percentile(b, 95), unit: 'x raw', goal: '<= 3' },
    failed_or_empty: { value: failures, unit: 'requests' },
    // CPU per request (ms) of each process: the ceiling on 2 cores is 2,000 / (sum) per second.
    cpu_http_server_ms_per_req: { value: cpuOf.http.self / cpuOf.http.n, unit: 'ms CPU (server process)' },
    cpu_http_postgres_ms_per_req: { value: cpuOf.http.pg / cpuOf.http.n, unit: 'ms CPU (PostgreSQL: the database\'s backends and WAL writer)' },
    cpu_http_load_ms_per_req: { value: cpuOf.http.load / cpuOf.http.n, unit: 'ms CPU (load process)' },
    http_statements_per_req: { value: cpuOf.http.statements / cpuOf.http.n, unit: 'round trips to PostgreSQL' },
    cpu_raw_client_ms_per_tx: { value: cpuOf.raw.self / cpuOf.raw.n, unit: 'ms CPU (bench process)' },
    cpu_raw_postgres_ms_per_tx: { value: cpuOf.raw.pg / cpuOf.raw.n, unit: 'ms CPU (PostgreSQL: the database\'s backends and WAL writer)' },
    raw_statements_per_tx: { value: cpuOf.raw.statements / cpuOf.raw.n, unit: 'round trips to PostgreSQL' },
    cpu_rls_client_ms_per_tx: { value: cpuOf.rls.self / cpuOf.rls.n, unit: 'ms CPU (bench process)' },
    cpu_rls_postgres_ms_per_tx: { value: cpuOf.rls.pg / cpuOf.rls.n, unit: 'ms CPU (PostgreSQL: the database\'s backends and WAL writer)' },
    rls_statements_per_tx: { value: cpuOf.rls.statements / cpuOf.rls.n, unit: 'round trips to PostgreSQL' },
    data_generation: { value: generatedS, unit: 's' },
    ...phases,
  };
  printFigures(figures);
  console.log(`  plan under RLS: ${planText}`);
  if (OBSERVATIONS_PER_BRANCH !== 50_000) return figures; // a profiling run: not the benchmark's figures
  writeResults('fhir', figures, [
    `${BRANCHES} branches x ${PATIENTS_PER_BRANCH} patients x ${OBSERVATIONS_PER_BRANCH} observations (${CODES.length} LOINC codes), generated with generate_series`,
    `${CLIENTS} concurrent clients; app pool ${POOL}, raw pool ${POOL}; the HTTP clients run in a child process, the server in the benchmark process's main thread (2-core machine shared with other work)`,
    'fhir_http: GET /fhir/Observation?patient=&code= with API-client bearer tokens of random branches: auth lookup, withBranch, search, audit row (hash-chained), JSON; output schema check off (FHIR_VALIDATE_OUTPUT, the default for reads)',
    'sql_rls: the search statement through withBranch under RLS; sql_raw: the same statement with an explicit branch_id filter in BEGIN/COMMIT as a role without RLS, same table and indexes',
    `interleaved rounds: SQL ${ROUNDS} x ${SQL_ROUND_MS} ms per path, HTTP 2 x ${HTTP_ROUND_MS} ms`,
    `plan under RLS: ${planText}`,
    `phase_*: one search at a time, mean of ${PHASE_REQUESTS} requests per phase after the load rounds (bench/fhir-phases.ts); phase_http_layer = HTTP total - auth - unit of work - JSON`,
  ]);
  return figures;
}
