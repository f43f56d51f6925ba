import { spawn } from 'node:child_process';

/*
 * An HTTP load generator in its own process: the clients' work (building requests, reading and
 * parsing answers) runs on neither the server's event loop nor its process's threads, so a
 * figure measures the server (a worker thread would still share the server's process and heap).
 * Each of `clients` loops sends the next request of the list and waits for its answer. The
 * child's code is plain JavaScript given to `node -e`; the job comes on its stdin and the
 * result leaves as one JSON line on its stdout.
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

const CHILD = `
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', async () => {
  const job = JSON.parse(input);
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
  process.stdout.write(JSON.stringify({ rate: latencies.length / ((performance.now() - start) / 1000), latencies, failures }) + '\\n');
});
`;

/** Runs the load in a fresh child process and returns its measurements. */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load process exited with ${code}`));
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}
