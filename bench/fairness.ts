import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { generateRawNotes } from '../contract/demo/notes';
import { sanitizeDraftText, STATION_CREDENTIAL_HEADER, type Mutation } from '../contract/sync';
import { enrolStation } from '../server/admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../server/auth/policy';
import { createBranchLimiter, limitBranches } from '../server/db/branch-limiter';
import { buildServer } from '../server/http/app';
import { silentLogger } from '../server/log';
import { IN_THREAD, startNoteCpuWorker, type NoteCpu } from '../server/notes/off-thread';
import { structureNote } from '../server/notes/pipeline';
import { localProvider } from '../server/notes/providers/local';
import { TEST_PASSWORD, twoBranches } from '../server/testing/fixtures';
import { testUuid7 } from '../server/testing/sync-harness';
import { createTestDatabase } from '../server/testing/test-db';
import { percentile, printFigures, writeResults, type Figure } from './lib';

/*
 * Fairness under a flood, each figure against a baseline measured in the same run:
 * (a) south's pull, south's sign-in and /readyz while north is flooded with pushes, against the
 *     same requests with north idle; once with the per-branch limiter (the server as it runs) and
 *     once without it (the shared pool alone), to show what the limiter buys;
 * (b) how long other requests wait while a 1 MB note is summarized, in the worker thread (as the
 *     server does) and on the event loop (as before), against the same requests with nothing running.
 */

const POOL = 10;
const FLOODERS = 40;
const BATCH = 100;
const SAMPLES = 60;

const sortNum = (v: number[]) => [...v].sort((x, y) => x - y);
const p95 = (v: number[]) => percentile(sortNum(v), 95);

export async function run(): Promise<Record<string, Figure>> {
  const t = await createTestDatabase({ appPoolSize: POOL });
  const f = await twoBranches(t.owner, 20);
  const north = await enrolStation(t.owner, 'north', 'n-med', 'bench north');
  const south = await enrolStation(t.owner, 'south', 's-med', 'bench south');
  const { app } = await buildServer({ db: t.app, policy: { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 1_000_000 }, log: silentLogger });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const notes = generateRawNotes({ count: 40, seed: 15 }).map((n) => sanitizeDraftText(n.text).slice(0, 2000));
  try {
    const login = async (username: string, branch: string, credential: string) => {
      const r = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', [STATION_CREDENTIAL_HEADER]: credential }, body: JSON.stringify({ username, password: TEST_PASSWORD, branch }) });
      if (r.status !== 200) throw new Error(`login ${r.status}`);
      return ((await r.json()) as { token: string }).token;
    };
    const northToken = await login('dr.north', 'north', north.credential);
    const southToken = await login('dr.south', 'south', south.credential);
    const timed = async (fn: () => Promise<Response>) => {
      const t0 = performance.now();
      const r = await fn();
      await r.arrayBuffer();
      if (r.status >= 500) throw new Error(`answer ${r.status}`);
      return performance.now() - t0;
    };
    const southPull = () => timed(() => fetch(`${url}/api/sync/pull?cursor=0&limit=200`, { headers: { authorization: `Bearer ${southToken}`, [STATION_CREDENTIAL_HEADER]: south.credential } }));
    const southLogin = () =>
      timed(() => fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', [STATION_CREDENTIAL_HEADER]: south.credential }, body: JSON.stringify({ username: 'dr.south', password: TEST_PASSWORD, branch: 'south' }) }));
    const readyz = () => timed(() => fetch(`${url}/readyz`));
    const measure = async () => {
      const pull: number[] = [];
      const signIn: number[] = [];
      const ready: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        pull.push(await southPull());
        ready.push(await readyz());
        if (i % 4 === 0) signIn.push(await southLogin());
      }
      return { pull: p95(pull), signIn: p95(signIn), ready: p95(ready) };
    };
    const flood = async (during: () => Promise<Awaited<ReturnType<typeof measure>>>) => {
      let stop = false;
      let pushed = 0;
      const loops = Array.from({ length: FLOODERS }, async (_, w) => {
        while (!stop) {
          const mutations: Mutation[] = Array.from({ length: BATCH }, (_, i) => ({
            kind: 'draft.save',
            id: testUuid7(),
            payload: { draftId: randomUUID(), patientId: f.north.patientIds[(w + i) % 20]!, text: notes[(w + i) % notes.length]!, baseVersion: 0 },
          }));
          const r = await fetch(`${url}/api/sync/push`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${northToken}`, [STATION_CREDENTIAL_HEADER]: north.credential }, body: JSON.stringify({ mutations }) });
          await r.arrayBuffer();
          pushed += r.status === 200 ? BATCH : 0;
        }
      });
      await new Promise((r) => setTimeout(r, 1000)); // let the flood fill the pool
      const m = await during();
      stop = true;
      await Promise.all(loops);
      return { ...m, pushed };
    };

    await measure(); // warm up
    const idle = await measure();
    limitBranches(t.app, createBranchLimiter({ perBranch: POOL / 2, queueTimeoutMs: 10_000 }));
    const limited = await flood(measure);
    limitBranches(t.app, createBranchLimiter({ perBranch: 1_000_000, queueTimeoutMs: 10_000 }));
    const shared = await flood(measure);
    limitBranches(t.app, createBranchLimiter({ perBranch: POOL / 2, queueTimeoutMs: 10_000 }));

    const b = await summarizerDelay(app);
    const figures: Record<string, Figure> = {
      south_pull_p95_idle: { value: idle.pull, unit: 'ms' },
      south_pull_p95_flooded: { value: limited.pull, unit: 'ms' },
      south_pull_flood_ratio: { value: limited.pull / idle.pull, unit: '×', goal: '≤ 3' },
      south_pull_flood_ratio_without_limiter: { value: shared.pull / idle.pull, unit: '×' },
      south_signin_p95_idle: { value: idle.signIn, unit: 'ms' },
      south_signin_p95_flooded: { value: limited.signIn, unit: 'ms', goal: '≤ 100 above idle' },
      readyz_p95_idle: { value: idle.ready, unit: 'ms' },
      readyz_p95_flooded: { value: limited.ready, unit: 'ms', goal: '≤ 100' },
      readyz_p95_flooded_without_limiter: { value: shared.ready, unit: 'ms' },
      north_mutations_pushed_during_flood: { value: limited.pushed, unit: 'mutations' },
      ...b,
    };
    printFigures(figures);
    writeResults('fairness', figures, [
      `(a) pool of ${POOL}; ${FLOODERS} concurrent north clients each pushing batches of ${BATCH} new drafts without pause; south measured sequentially: ${SAMPLES} pulls (200 rows), ${SAMPLES} /readyz, ${Math.ceil(SAMPLES / 4)} sign-ins (scrypt); baseline: the same requests with north idle, same run. 'without limiter' repeats the flood with no per-branch share (the shared pool alone).`,
      '(b) a 1,000,000-character note (demo notes pasted together) structured and checked; the figure is the longest event-loop stall while it runs (every request waits at least that long), in the worker thread (the server) and on the event loop (before); baseline: the longest stall of an idle loop over the same duration.',
    ]);
    return figures;
  } finally {
    await app.close();
    await t.close();
  }
}

async function summarizerDelay(app: FastifyInstance): Promise<Record<string, Figure>> {
  const parts: string[] = [];
  let n = 0;
  for (const note of generateRawNotes({ count: 2000, seed: 9 })) {
    parts.push(note.text);
    n += note.text.length + 2;
    if (n >= 1_000_000) break;
  }
  const raw = parts.join('\n\n').slice(0, 1_000_000);
  /** The longest the event loop stalled (any request would have waited that long) while `work` ran. */
  const worst = async (work: () => Promise<unknown>) => {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const t0 = performance.now();
    await work();
    const took = performance.now() - t0;
    // A stall is recorded when the loop turns again: let it turn before reading.
    await new Promise((r) => setTimeout(r, 30));
    h.disable();
    return { stall: h.max / 1e6, took };
  };
  const cpu: NoteCpu = startNoteCpuWorker();
  try {
    await cpu.structureLocally('warm up the worker');
    const offThread = await worst(() => structureNote(raw, localProvider((r) => cpu.structureLocally(r)), undefined, cpu));
    const idle = await worst(() => new Promise((r) => setTimeout(r, offThread.took)));
    const onLoop = await worst(() => structureNote(raw, localProvider(), undefined, IN_THREAD));
    await app.inject({ method: 'GET', url: '/healthz' });
    return {
      summarize_1mb_event_loop_stall_worker: { value: offThread.stall, unit: 'ms', goal: '≤ 50 above idle' },
      event_loop_stall_idle_same_duration: { value: idle.stall, unit: 'ms' },
      summarize_1mb_event_loop_stall_on_loop: { value: onLoop.stall, unit: 'ms' },
      summarize_1mb_duration_worker: { value: offThread.took, unit: 'ms' },
    };
  } finally {
    await cpu.close();
  }
}
