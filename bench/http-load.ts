import { spawn } from 'node:child_process';

/*
 * An HTTP load generator in its own process: the clients' work (building requests, reading and
 * parsing answers) runs on neither the server's event loop nor its process's threads, so a
 * figure measures the server (a worker thread would still share the server's process and heap).
 * Each of `clients` connections (HTTP/1.1, kept alive) sends the next request of the list and
 * waits for its answer. The client is a few lines over a socket rather than fetch: on a 2-core
 * machine every millisecond of the load process's CPU is taken from the server (fetch cost
 * about 0.65 ms per request, as much as the server's own work). The child's code is plain JavaScript given to `node -e`; the job comes on its stdin and the
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
  /** CPU time (ms, all threads) the load process spent while sending the requests and reading the answers. */
  cpuMs: number;
}

export interface LoadJob {
  requests: LoadRequest[];
  clients: number;
  ms: number;
}

const CHILD = `
const net = require('node:net');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', async () => {
  const job = JSON.parse(input);
  // Each request's bytes, built once: HTTP/1.1 on a kept-alive connection per client.
  const wire = job.requests.map((q) => {
    const u = new URL(q.url);
    let head = 'GET ' + u.pathname + u.search + ' HTTP/1.1\\r\\nhost: ' + u.host + '\\r\\n';
    for (const [k, v] of Object.entries(q.headers)) head += k + ': ' + v + '\\r\\n';
    return { host: u.hostname, port: Number(u.port), bytes: Buffer.from(head + '\\r\\n') };
  });
  const latencies = [];
  let failures = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + job.ms;
  const client = () => new Promise((resolve) => {
    const socket = net.connect({ host: wire[0].host, port: wire[0].port, noDelay: true });
    let buf = Buffer.alloc(0);
    let t0 = 0;
    const send = () => {
      if (performance.now() >= end) { socket.end(); return resolve(); }
      t0 = performance.now();
      buf = Buffer.alloc(0);
      socket.write(wire[next++ % wire.length].bytes);
    };
    socket.on('connect', send);
    socket.on('error', () => { failures++; resolve(); });
    socket.on('close', () => { if (performance.now() < end) failures++; resolve(); });
    socket.on('data', (d) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      const h = buf.indexOf('\\r\\n\\r\\n');
      if (h < 0) return;
      const head = buf.toString('latin1', 0, h);
      const m = /\\r\\ncontent-length: *(\\d+)/i.exec(head);
      if (!m) { failures++; socket.destroy(); return resolve(); }
      if (buf.length < h + 4 + Number(m[1])) return;
      // A search answer: 200 with at least one entry.
      const ok = head.startsWith('HTTP/1.1 200') && buf.indexOf('"entry":[{', h + 4) >= 0;
      if (!ok) failures++;
      latencies.push(performance.now() - t0);
      send();
    });
  });
  await Promise.all(Array.from({ length: job.clients }, client));
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ rate: latencies.length / ((performance.now() - start) / 1000), latencies, failures, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\\n');
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
