import { randomUUID } from 'node:crypto';
import { STATION_CREDENTIAL_HEADER, type Mutation } from '../contract/sync';
import { testUuid7 } from '../server/testing/sync-harness';

/*
 * The clients of bench/fairness.ts, in a process of their own (forked with tsx), so that neither
 * the flood's work (building and parsing batches) nor the measuring client's timers run on the
 * measured server's event loop. One process per role: 'flood' or 'probe'. Messages over IPC.
 */

export interface Station {
  token: string;
  credential: string;
}

export type ToClient =
  | { op: 'flood'; url: string; north: Station; patientIds: string[]; notes: string[]; clients: number; batch: number }
  | { op: 'probe'; url: string; south: Station; password: string; samples: number }
  | { op: 'ticks'; url: string; pauseMs: number }
  | { op: 'stop' };

export type FromClient =
  | { op: 'flooding' }
  | { op: 'flooded'; pushed: number; failed: number }
  | { op: 'probed'; pull: number[]; signIn: number[]; ready: number[] }
  | { op: 'ticking' }
  | { op: 'ticked'; ms: number[] };

const send = (m: FromClient) => process.send!(m);
let stop = false;
let running: Promise<void> | null = null;

async function timed(fn: () => Promise<Response>): Promise<number> {
  const t0 = performance.now();
  const r = await fn();
  await r.arrayBuffer();
  if (r.status >= 500) throw new Error(`answer ${r.status}`);
  return performance.now() - t0;
}

async function flood(m: Extract<ToClient, { op: 'flood' }>): Promise<void> {
  let pushed = 0;
  let failed = 0;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${m.north.token}`, [STATION_CREDENTIAL_HEADER]: m.north.credential };
  const loops = Array.from({ length: m.clients }, async (_, w) => {
    while (!stop) {
      const mutations: Mutation[] = Array.from({ length: m.batch }, (_, i) => ({
        kind: 'draft.save',
        id: testUuid7(),
        payload: { draftId: randomUUID(), patientId: m.patientIds[(w + i) % m.patientIds.length]!, text: m.notes[(w + i) % m.notes.length]!, baseVersion: 0 },
      }));
      const r = await fetch(`${m.url}/api/sync/push`, { method: 'POST', headers, body: JSON.stringify({ mutations }) });
      await r.arrayBuffer();
      if (r.status === 200) pushed += m.batch;
      else failed++;
    }
  });
  send({ op: 'flooding' });
  await Promise.all(loops);
  send({ op: 'flooded', pushed, failed });
}

async function probe(m: Extract<ToClient, { op: 'probe' }>): Promise<void> {
  const station = { authorization: `Bearer ${m.south.token}`, [STATION_CREDENTIAL_HEADER]: m.south.credential };
  const pull: number[] = [];
  const signIn: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < m.samples; i++) {
    pull.push(await timed(() => fetch(`${m.url}/api/sync/pull?cursor=0&limit=200`, { headers: station })));
    ready.push(await timed(() => fetch(`${m.url}/readyz`)));
    if (i % 2 === 0) {
      const body = JSON.stringify({ username: 'dr.south', password: m.password, branch: 'south' });
      signIn.push(await timed(() => fetch(`${m.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', [STATION_CREDENTIAL_HEADER]: m.south.credential }, body })));
    }
  }
  send({ op: 'probed', pull, signIn, ready });
}

/** Sequential GET /healthz (no database: what it waits for is the server's event loop) until stopped. */
async function ticks(m: Extract<ToClient, { op: 'ticks' }>): Promise<void> {
  const ms: number[] = [];
  send({ op: 'ticking' });
  while (!stop) {
    ms.push(await timed(() => fetch(`${m.url}/healthz`)));
    await new Promise((r) => setTimeout(r, m.pauseMs));
  }
  send({ op: 'ticked', ms });
}

process.on('message', (m: ToClient) => {
  if (m.op === 'stop') {
    stop = true;
    return;
  }
  stop = false;
  const work = m.op === 'flood' ? flood(m) : m.op === 'probe' ? probe(m) : ticks(m);
  running = work.catch((e: unknown) => {
    console.error(`fairness client: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
});
process.on('disconnect', () => {
  stop = true;
  void running?.then(() => process.exit(0));
});
