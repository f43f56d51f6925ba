import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { generateRawNotes } from '../contract/demo/notes';
import { sanitizeDraftText, STATION_CREDENTIAL_HEADER } from '../contract/sync';
import { enrolStation } from '../server/admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../server/auth/policy';
import { createBranchLimiter, limitBranches, pushesPerBranchFor } from '../server/db/branch-limiter';
import { buildServer } from '../server/http/app';
import { silentLogger } from '../server/log';
import { IN_THREAD, startNoteCpuWorker, type NoteCpu } from '../server/notes/off-thread';
import { prepareNote } from '../server/notes/pipeline';
import { localProvider } from '../server/notes/providers/local';
import { TEST_PASSWORD, twoBranches } from '../server/testing/fixtures';
import { createTestDatabase } from '../server/testing/test-db';
import { createPool } from '../server/db/pool';
import { createSystemDb } from '../server/db/system-db';
import type pg from 'pg';
import type { FromClient, ToClient } from './fairness-client';
import { childClient } from './child-client';
import { percentile, printFigures, writeResults, type Figure } from './lib';

/*
 * Fairness under a flood, each figure against a baseline measured in the same run:
 * (a) south's pull, south's sign-in and /readyz while north is flooded with pushes, against the
 *     same requests from the same client with north idle; with the per-branch limits as the
 *     server runs them (a branch's pushes on half the database's cores), with the fixed 5 pushes
 *     per branch of before, and without any limit (the shared pool alone), to show what each buys;
 *     the idle baseline is measured again at the end, to show how much the machine drifted;
 * (b) how much longer other requests take while a 1 MB note is summarized, in the worker thread
 *     (as the server does) and on the event loop (as before), against the same requests with
 *     nothing running.
 * Every client (the flood, the measuring client) runs in a child process: in the server's own
 * process their work and timers would run on the event loop being measured.
 */

const POOL = 10;
const FLOODERS = 40;
const BATCH = 100;
const SAMPLES = 60;
/** Pushes per branch before they were sized to the database's cores. */
const FIXED_PUSHES_BEFORE = 5;

const sortNum = (v: number[]) => [...v].sort((x, y) => x - y);
const p95 = (v: number[]) => percentile(sortNum(v), 95);
const p50 = (v: number[]) => percentile(sortNum(v), 50);
const max = (v: number[]) => Math.max(...v);

const client = () => childClient<ToClient, FromClient>('fairness-client.ts');

export async function run(): Promise<Record<string, Figure>> {
  const t = await createTestDatabase({ appPoolSize: 1 });
  // The servers' pool, with the time each connection request waits (for a free connection of the 10).
  const pool = createPool({ connectionString: t.appUrl, max: POOL });
  const acquireMs: number[] = [];
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  pool.connect = (async () => {
    const t0 = performance.now();
    const c = await connect();
    acquireMs.push(performance.now() - t0);
    return c;
  }) as typeof pool.connect;
  const db = createSystemDb(pool);
  const f = await twoBranches(t.owner, 20);
  const north = await enrolStation(t.owner, 'north', 'n-med', 'bench north');
  const south = await enrolStation(t.owner, 'south', 's-med', 'bench south');
  const policy = { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 1_000_000 };
  // The server as it runs (pushes admitted per branch), and the same without any per-branch limit.
  const { app } = await buildServer({ db, policy, log: silentLogger });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const five = await buildServer({ db, policy, log: silentLogger, pushesPerBranch: FIXED_PUSHES_BEFORE });
  const fiveUrl = await five.app.listen({ host: '127.0.0.1', port: 0 });
  const shared = await buildServer({ db, policy, log: silentLogger, pushesPerBranch: 0 });
  const sharedUrl = await shared.app.listen({ host: '127.0.0.1', port: 0 });
  const notes = generateRawNotes({ count: 40, seed: 15 }).map((n) => sanitizeDraftText(n.text).slice(0, 2000));
  const clients: ReturnType<typeof client>[] = [];
  try {
    const login = async (username: string, branch: string, credential: string) => {
      const r = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', [STATION_CREDENTIAL_HEADER]: credential }, body: JSON.stringify({ username, password: TEST_PASSWORD, branch }) });
      if (r.status !== 200) throw new Error(`login ${r.status}`);
      return ((await r.json()) as { token: string }).token;
    };
    const northToken = await login('dr.north', 'north', north.credential);
    const southToken = await login('dr.south', 'south', south.credential);
    const flooder = client();
    const prober = client();
    clients.push(flooder, prober);
    const measure = async (at = url) => {
      const r = await prober.ask({ op: 'probe', url: at, south: { token: southToken, credential: south.credential }, password: TEST_PASSWORD, samples: SAMPLES }, 'probed');
      return { pull: p95(r.pull), signIn: p95(r.signIn), ready: p95(r.ready) };
    };
    const flood = async (at: string) => {
      const t0 = performance.now();
      const done = flooder.ask({ op: 'flood', url: at, north: { token: northToken, credential: north.credential }, patientIds: f.north.patientIds, notes, clients: FLOODERS, batch: BATCH }, 'flooded');
      await new Promise((r) => setTimeout(r, 1000)); // let the flood fill the pool
      // How late the server's event loop runs its callbacks during the flood (every server of
      // this benchmark shares this process's loop).
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      acquireMs.length = 0;
      const m = await measure(at);
      loop.disable();
      const acquireMax = Math.max(0, ...acquireMs);
      flooder.ask({ op: 'stop' }, 'flooded').catch(() => {});
      const { pushed } = await done;
      return { ...m, pushed, perSecond: pushed / ((performance.now() - t0) / 1000), loopP99: loop.percentile(99) / 1e6, acquireMax };
    };

    await measure(); // warm up
    const idle = await measure();
    limitBranches(db, createBranchLimiter({ perBranch: POOL / 2, queueTimeoutMs: 10_000 }));
    const limited = await flood(url);
    const fixedFive = await flood(fiveUrl);
    limitBranches(db, createBranchLimiter({ perBranch: 1_000_000, queueTimeoutMs: 10_000 }));
    const unlimited = await flood(sharedUrl);
    limitBranches(db, createBranchLimiter({ perBranch: POOL / 2, queueTimeoutMs: 10_000 }));
    const idleAfter = await measure();

    const b = await summarizerDelay(url, prober);
    const figures: Record<string, Figure> = {
      south_pull_p95_idle: { value: idle.pull, unit: 'ms' },
      south_pull_p95_flooded: { value: limited.pull, unit: 'ms' },
      south_pull_flood_ratio: { value: limited.pull / idle.pull, unit: '×', goal: '≤ 3' },
      south_pull_flood_ratio_5_pushes_per_branch: { value: fixedFive.pull / idle.pull, unit: '×' },
      south_pull_flood_ratio_without_limiter: { value: unlimited.pull / idle.pull, unit: '×' },
      south_pull_p95_idle_again_at_end: { value: idleAfter.pull, unit: 'ms' },
      south_signin_p95_idle: { value: idle.signIn, unit: 'ms' },
      south_signin_p95_flooded: { value: limited.signIn, unit: 'ms' },
      south_signin_flood_added: { value: limited.signIn - idle.signIn, unit: 'ms', goal: '≤ 100' },
      south_signin_flood_added_5_pushes_per_branch: { value: fixedFive.signIn - idle.signIn, unit: 'ms' },
      south_signin_flood_added_without_limiter: { value: unlimited.signIn - idle.signIn, unit: 'ms' },
      south_signin_p95_idle_again_at_end: { value: idleAfter.signIn, unit: 'ms' },
      readyz_p95_idle: { value: idle.ready, unit: 'ms' },
      readyz_p95_flooded: { value: limited.ready, unit: 'ms', goal: '≤ 100' },
      readyz_p95_flooded_5_pushes_per_branch: { value: fixedFive.ready, unit: 'ms' },
      readyz_p95_flooded_without_limiter: { value: unlimited.ready, unit: 'ms' },
      database_cores: { value: availableParallelism(), unit: 'cores' },
      pushes_per_branch: { value: pushesPerBranchFor(availableParallelism()), unit: 'pushes' },
      north_mutations_per_second_flooded: { value: limited.perSecond, unit: 'mutations/s' },
      north_mutations_per_second_5_pushes_per_branch: { value: fixedFive.perSecond, unit: 'mutations/s' },
      north_mutations_per_second_without_limiter: { value: unlimited.perSecond, unit: 'mutations/s' },
      server_event_loop_delay_p99_flooded: { value: limited.loopP99, unit: 'ms' },
      server_event_loop_delay_p99_5_pushes_per_branch: { value: fixedFive.loopP99, unit: 'ms' },
      server_event_loop_delay_p99_without_limiter: { value: unlimited.loopP99, unit: 'ms' },
      pool_acquire_wait_max_flooded: { value: limited.acquireMax, unit: 'ms' },
      pool_acquire_wait_max_5_pushes_per_branch: { value: fixedFive.acquireMax, unit: 'ms' },
      pool_acquire_wait_max_without_limiter: { value: unlimited.acquireMax, unit: 'ms' },
      ...b,
    };
    printFigures(figures);
    writeResults('fairness', figures, [
      `(a) pool of ${POOL}; ${FLOODERS} concurrent north clients each pushing batches of ${BATCH} new drafts without pause; south measured sequentially by one client process: ${SAMPLES} pulls (200 rows), ${SAMPLES} /readyz, ${Math.ceil(SAMPLES / 2)} sign-ins (scrypt); baseline: the same requests from the same client with north idle, same run, before the floods (and again after them: 'idle_again_at_end'). The server as it runs: a branch's pushes on half the database's cores (${pushesPerBranchFor(availableParallelism())} on ${availableParallelism()} cores, read before their bodies), a branch's units of work at most half the pool. '5_pushes_per_branch' repeats the flood against a server with the fixed 5 pushes per branch of before; 'without limiter' against one with no per-branch limit at all (no push admission, no database share: the shared pool alone). Mutations per second: north's acknowledged mutations over the whole flood. Pool acquire wait: the longest any of the servers' requests for a connection waited during the measurement (the pool is not where south waits while it stays small).`,
      "(b) a 1,000,000-character note (demo notes pasted together) summarized as the server does (prepareNote: structured, checked and serialized in the worker thread at the lowest scheduling priority; 'same priority': the thread at the event loop's priority; this note has more statements than one section of a draft holds, so it ends refused once structured, before the quote check) and, for comparison, on the event loop (the same call in thread, as before the worker); meanwhile a client process sends GET /healthz one after another (no database: it waits only for the server's event loop); added delay = that request's p95 (and worst) minus the same client's p95 (and worst) with nothing running, same run.",
    ]);
    return figures;
  } finally {
    for (const c of clients) c.close();
    await shared.app.close();
    await five.app.close();
    await app.close();
    await db.destroy();
    await t.close();
  }
}

async function summarizerDelay(url: string, prober: ReturnType<typeof client>): Promise<Record<string, Figure>> {
  const parts: string[] = [];
  let n = 0;
  for (const note of generateRawNotes({ count: 2000, seed: 9 })) {
    parts.push(note.text);
    n += note.text.length + 2;
    if (n >= 1_000_000) break;
  }
  const raw = parts.join('\n\n').slice(0, 1_000_000);
  /** Latencies of other requests (from the client process) while `work` runs on the server's side. */
  const during = async (work: () => Promise<unknown>) => {
    await prober.ask({ op: 'ticks', url, pauseMs: 5 }, 'ticking');
    const t0 = performance.now();
    await work();
    const took = performance.now() - t0;
    const { ms } = await prober.ask({ op: 'stop' }, 'ticked');
    return { ms, took };
  };
  const cpu: NoteCpu = startNoteCpuWorker();
  const samePriority: NoteCpu = startNoteCpuWorker({ niceness: 0 });
  try {
    await cpu.structureLocally('warm up the worker');
    await samePriority.structureLocally('warm up the worker');
    const offThread = await during(() => prepareNote(raw, localProvider(), undefined, cpu));
    const offThreadSamePriority = await during(() => prepareNote(raw, localProvider(), undefined, samePriority));
    const idle = await during(() => new Promise((r) => setTimeout(r, offThread.took)));
    const onLoop = await during(() => prepareNote(raw, localProvider(), undefined, IN_THREAD));
    return {
      other_requests_p95_idle: { value: p95(idle.ms), unit: 'ms' },
      other_requests_worst_idle: { value: max(idle.ms), unit: 'ms' },
      other_requests_p95_summarizing_worker: { value: p95(offThread.ms), unit: 'ms' },
      other_requests_worst_summarizing_worker: { value: max(offThread.ms), unit: 'ms' },
      summarize_1mb_added_delay_p95_worker: { value: p95(offThread.ms) - p95(idle.ms), unit: 'ms', goal: '≤ 50' },
      summarize_1mb_added_delay_worst_worker: { value: max(offThread.ms) - max(idle.ms), unit: 'ms', goal: '≤ 50' },
      summarize_1mb_added_delay_p95_worker_same_priority: { value: p95(offThreadSamePriority.ms) - p95(idle.ms), unit: 'ms' },
      summarize_1mb_added_delay_worst_worker_same_priority: { value: max(offThreadSamePriority.ms) - max(idle.ms), unit: 'ms' },
      summarize_1mb_added_delay_worst_on_loop: { value: max(onLoop.ms) - max(idle.ms), unit: 'ms' },
      other_requests_during_summarizing_worker: { value: offThread.ms.length, unit: 'requests' },
      other_requests_median_idle: { value: p50(idle.ms), unit: 'ms' },
      summarize_1mb_duration_worker: { value: offThread.took, unit: 'ms' },
      summarize_1mb_duration_on_loop: { value: onLoop.took, unit: 'ms' },
    };
  } finally {
    await cpu.close();
    await samePriority.close();
  }
}
