import { Worker } from 'node:worker_threads';

/*
 * An HTTP load generator in a worker thread: the clients' own work (building requests, reading
 * and parsing answers) runs outside the server's event loop, so a figure measures the server.
 * Each of `clients` loops sends the next request of the list and waits for its answer. The
 * worker's code is plain JavaScript evaluated in the thread (a worker does not get the
 * TypeScript loader of its parent).
 */

export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  rate: number;
  latencies: number[];
  /** Answers that were not 200 with at least one entry. */
  failures: number;
}

export interface LoadJob {
  requests: LoadRequest[];
  clients: number;
  ms: number;
}

const WORKER = `
const { parentPort, workerData: job } = require('node:worker_threads');
(async () => {
  const latencies = [];
  let failures = 0;
  let next = 0;
  const start = performance.now();
  const end = start + job.ms;
  await Promise.all(Array.from({ length: job.clients }, async () => {
    while (performance.now() < end) {
      const q = job.requests[next++ % job.requests.length];
      const t0 = performance.now();
      try {
        const r = await fetch(q.url, { headers: q.headers });
        const body = await r.json();
        if (r.status !== 200 || !body.entry || body.entry.length === 0) failures++;
      } catch {
        failures++;
      }
      latencies.push(performance.now() - t0);
    }
  }));
  parentPort.postMessage({ rate: latencies.length / ((performance.now() - start) / 1000), latencies, failures });
})();
`;

/** Runs the load in a fresh worker thread and returns its measurements. */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: job });
    w.once('message', (r: LoadResult) => {
      resolve(r);
      void w.terminate();
    });
    w.once('error', reject);
  });
}
