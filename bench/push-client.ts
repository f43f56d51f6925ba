import { randomUUID } from 'node:crypto';
import { STATION_CREDENTIAL_HEADER, type Mutation, type PushResponse } from '../contract/sync';
import { uuid7 } from '../main/core/uuid7';

/*
 * The stations of bench/sync.ts (a), in a process of their own (forked with tsx): building and
 * sending batches and reading their answers runs neither on the measured server's event loop nor
 * on its process's CPU, so the server's figure is not mixed with its load's. Bodies are built
 * before a slice ('prepare') and only sent during it ('run'), so the load process's CPU during a
 * slice is what sending and reading cost. Messages over IPC.
 */

export interface PushLoadJob {
  url: string;
  token: string;
  credential: string;
  patientIds: string[];
  notes: string[];
  batch: number;
  /**
   * Re-saves (autosaves of drafts the server has) instead of first saves: the batches cycle
   * through this many sets of drafts, each set saved first (while preparing). A set is sent again
   * only after the sets in between (more of them than clients): no two batches in flight touch
   * one draft, and each save is newer than the last one of its draft.
   */
  resaveSets?: number;
}

export type ToPushClient =
  | ({ op: 'prepare'; bodies: number } & PushLoadJob)
  | { op: 'run'; clients: number; ms: number };

export type FromPushClient =
  | { op: 'prepared' }
  | {
      op: 'ran';
      mutations: number;
      batches: number;
      /** Batches built during the slice because the prepared ones ran out (their CPU is in cpuMs). */
      builtLate: number;
      wallMs: number;
      /** CPU (ms, all threads) of this process during the slice. */
      cpuMs: number;
    };

const send = (m: FromPushClient) => process.send!(m);
let job: PushLoadJob | null = null;
let ready: string[] = [];
/** The re-saved drafts' ids, one array per set, and the set the next body takes. */
let sets: string[][] = [];
let nextSet = 0;

function body(j: PushLoadJob): string {
  const drafts = j.resaveSets ? sets[nextSet++ % sets.length]! : null;
  const mutations: Mutation[] = Array.from({ length: j.batch }, (_, i) => ({
    kind: 'draft.save',
    id: uuid7(),
    payload: { draftId: drafts ? drafts[i]! : randomUUID(), patientId: j.patientIds[i % j.patientIds.length]!, text: j.notes[(i + nextSet) % j.notes.length]!, baseVersion: 0 },
  }));
  return JSON.stringify({ mutations });
}

const headersOf = (j: PushLoadJob) => ({ 'content-type': 'application/json', authorization: `Bearer ${j.token}`, [STATION_CREDENTIAL_HEADER]: j.credential });

/** Saves each set's drafts once (first saves), so that what follows re-saves them. */
async function saveSets(j: PushLoadJob): Promise<void> {
  sets = Array.from({ length: j.resaveSets! }, () => Array.from({ length: j.batch }, () => randomUUID()));
  nextSet = 0;
  for (const drafts of sets) {
    const mutations = drafts.map((draftId, i) => ({ kind: 'draft.save', id: uuid7(), payload: { draftId, patientId: j.patientIds[i % j.patientIds.length]!, text: 'first', baseVersion: 0 } }));
    const r = await fetch(`${j.url}/api/sync/push`, { method: 'POST', headers: headersOf(j), body: JSON.stringify({ mutations }) });
    if (r.status !== 200) throw new Error(`push ${r.status}`);
  }
}

async function run(clients: number, ms: number): Promise<void> {
  const j = job!;
  const headers = headersOf(j);
  let mutations = 0;
  let batches = 0;
  let builtLate = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        // In the order built: a re-save must be newer than its draft's last save.
        let b = ready.shift();
        if (b === undefined) {
          b = body(j);
          builtLate++;
        }
        const r = await fetch(`${j.url}/api/sync/push`, { method: 'POST', headers, body: b });
        const text = await r.text();
        if (r.status !== 200) throw new Error(`push ${r.status} ${text.slice(0, 200)}`);
        const answer = JSON.parse(text) as PushResponse;
        // Every mutation of a batch is a new draft or a newer save of this station's own: anything
        // but applied (and, for a re-save, not passed over as older) is a failed benchmark.
        if (answer.results.length !== j.batch || answer.results.some((x) => x.status !== 'applied' || 'superseded' in x)) throw new Error('push not applied');
        mutations += j.batch;
        batches++;
      }
    }),
  );
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  send({ op: 'ran', mutations, batches, builtLate, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 });
}

process.on('message', (m: ToPushClient) => {
  if (m.op === 'prepare') {
    const { op: _op, bodies, ...j } = m;
    const sameSets = sets.length === j.resaveSets;
    job = j;
    ready = [];
    (j.resaveSets && !sameSets ? saveSets(j) : Promise.resolve())
      .then(() => {
        for (let i = 0; i < bodies; i++) ready.push(body(j));
        send({ op: 'prepared' });
      })
      .catch((e: unknown) => {
        console.error(`push client: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      });
    return;
  }
  run(m.clients, m.ms).catch((e: unknown) => {
    console.error(`push client: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
