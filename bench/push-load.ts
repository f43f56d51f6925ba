import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/*
 * Stations pushing batches of new drafts, in a process of their own (as bench/http-load.ts does
 * for FHIR searches): building a batch (500 UUIDs and ~800 kB of JSON) and reading its answer is
 * the station's work, and in the server's process it would run on the server's event loop and be
 * counted as the server's. The child is plain JavaScript given to `node -e`; it stays up between
 * runs (its HTTP connections warm), takes one job per line on its stdin and answers one JSON
 * line per job on its stdout.
 */

export interface PushLoadSetup {
  url: string;
  headers: Record<string, string>;
  patientIds: string[];
  notes: string[];
  batch: number;
}

export interface PushLoadRun {
  clients: number;
  /** Run for this long, or */
  ms?: number;
  /** this many batches in all. */
  batches?: number;
}

export interface PushLoadResult {
  /** Mutations applied per second, over the run. */
  rate: number;
  batches: number;
  ms: number;
  /** The child's own CPU time over the run (building and sending batches, reading answers). */
  clientCpuMs: number;
}

const CHILD = `
const { randomBytes, randomUUID } = require('node:crypto');
const readline = require('node:readline');
let setup = null;
let last = 0, counter = 0;
function uuid7() {
  const now = Date.now();
  if (now > last) { last = now; counter = 0; } else counter++;
  const b = randomBytes(16);
  let ms = last;
  for (let i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
  b[6] = 0x70 | ((counter >> 8) & 0x0f);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}
let quoted = [];
function body() {
  const parts = [];
  for (let i = 0; i < setup.batch; i++) {
    parts.push('{"kind":"draft.save","id":"' + uuid7() + '","payload":{"draftId":"' + randomUUID() + '","patientId":"' +
      setup.patientIds[i % setup.patientIds.length] + '","text":' + quoted[i % quoted.length] + ',"baseVersion":0}}');
  }
  return '{"mutations":[' + parts.join(',') + ']}';
}
async function pushOnce() {
  const r = await fetch(setup.url, { method: 'POST', headers: setup.headers, body: body() });
  const answer = await r.json();
  if (r.status !== 200 || answer.results.length !== setup.batch || answer.results.some((x) => x.status !== 'applied')) {
    throw new Error('push not applied: ' + r.status);
  }
}
async function run(job) {
  let batches = 0;
  const c0 = process.cpuUsage();
  const start = performance.now();
  const end = job.ms ? start + job.ms : Infinity;
  let left = job.batches ?? Infinity;
  await Promise.all(Array.from({ length: job.clients }, async () => {
    while (performance.now() < end && left-- > 0) {
      await pushOnce();
      batches++;
    }
  }));
  const ms = performance.now() - start;
  const c = process.cpuUsage(c0);
  return { rate: (batches * setup.batch) / (ms / 1000), batches, ms, clientCpuMs: (c.user + c.system) / 1000 };
}
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  const msg = JSON.parse(line);
  if (!setup) {
    setup = msg;
    quoted = setup.notes.map((n) => JSON.stringify(n));
    process.stdout.write('{"ready":true}\\n');
    return;
  }
  try {
    process.stdout.write(JSON.stringify(await run(msg)) + '\\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }) + '\\n');
  }
});
`;

export interface PushLoad {
  run(job: PushLoadRun): Promise<PushLoadResult>;
  close(): void;
}

/** Starts the pushing stations' process; each run() is one job, answered when it ends. */
export async function startPushLoad(setup: PushLoadSetup): Promise<PushLoad> {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const ask = (msg: unknown) =>
    new Promise<string>((resolve, reject) => {
      const onExit = () => reject(new Error('push load process ended'));
      child.once('exit', onExit);
      waiting.push((l) => {
        child.off('exit', onExit);
        resolve(l);
      });
      child.stdin.write(`${JSON.stringify(msg)}\n`);
    });
  await ask(setup);
  return {
    async run(job) {
      const r = JSON.parse(await ask(job)) as PushLoadResult & { error?: string };
      if (r.error) throw new Error(r.error);
      return r;
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}
