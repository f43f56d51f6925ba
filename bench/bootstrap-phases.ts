import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePullRowsBytes, STATION_CREDENTIAL_HEADER } from '../contract/sync';
import { applyFeedRows } from '../main/core/cache';
import { createSealer } from '../main/core/seal';
import { openStore } from '../main/core/store';
import { createVerifier } from '../main/core/verifier';
import { TEST_PASSWORD } from '../server/testing/fixtures';
import { startServerProcess } from '../server/testing/server-process';
import { startSyncHarness } from '../server/testing/sync-harness';
import { backendsCpu, bootstrap, WARD_PATIENTS } from './bootstrap';
import { cpuBetween, ownCpu, processCpu } from './cpu';
import { median, printFigures, writeResults, type Figure } from './lib';

/*
 * Where a ward bootstrap's time goes, step by step and one step at a time (nothing overlaps, so
 * each step's CPU is its own): the same ward as `bench bootstrap`, the same server process and
 * rows pull, the station's steps called directly. CPU seconds from /proc and process.cpuUsage
 * (the machine's load inflates them far less than wall time), medians of ROUNDS.
 * `npm run bench -- bootstrap-phases`; BOOTSTRAP_PROFILE=<folder> also writes the server
 * process's --cpu-prof profile there.
 */

const ROUNDS = Number(process.env.BOOTSTRAP_ROUNDS ?? 3);
const PAGE = Number(process.env.BOOTSTRAP_PAGE ?? 5000);

export async function run(): Promise<Record<string, Figure>> {
  const h = await startSyncHarness(WARD_PATIENTS);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-bootstrap-phases-'));
  const profile = process.env.BOOTSTRAP_PROFILE;
  let server: Awaited<ReturnType<typeof startServerProcess>> | null = null;
  try {
    await bootstrap(h, dir, 0);
    server = await startServerProcess({ databaseUrl: h.t.appUrl, ...(profile ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${profile}`] } : {}) });
    const serverPid = server.child.pid!;
    const samples: Record<string, number[]> = {};
    const agent = new http.Agent({ keepAlive: true });
    for (let round = 0; round < ROUNDS; round++) {
      const step = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
        const s0 = processCpu(serverPid) ?? Number.NaN;
        const p0 = await backendsCpu(h);
        const c0 = ownCpu();
        const r = await f();
        const add = (k: string, v: number) => {
          const a = (samples[k] ??= []);
          if (a.length === round) a.push(0);
          a[round]! += v;
        };
        add(`station_${name}`, ownCpu() - c0);
        add(`server_${name}`, (processCpu(serverPid) ?? Number.NaN) - s0);
        add(`postgres_${name}`, cpuBetween(p0, await backendsCpu(h)));
        return r;
      };
      const { token } = await step('sign_in', async () => {
        const r = await fetch(`${server!.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [STATION_CREDENTIAL_HEADER]: h.south1.credential },
          body: JSON.stringify({ username: 'dr.south', password: TEST_PASSWORD, branch: 'south' }),
        });
        return (await r.json()) as { token: string };
      });
      await step('offline_verifier', () => createVerifier(TEST_PASSWORD));
      const key = Buffer.alloc(32, round + 1);
      const store = openStore(path.join(dir, `phases-${round}.db`), { storeKey: key });
      const sealer = createSealer(key);
      let cursor = '0';
      for (;;) {
        // Through node:http, as the station asks for a rows page (main/core/server-client.ts).
        const bytes = await step('pages', () =>
          new Promise<Buffer>((resolve, reject) => {
            const url = `${server!.url}/api/sync/pull/rows?cursor=${cursor}&limit=${PAGE}`;
            http
              .get(url, { agent, headers: { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: h.south1.credential } }, (res) => {
                const chunks: Buffer[] = [];
                res.on('data', (c: Buffer) => chunks.push(c));
                res.on('end', () => resolve(Buffer.concat(chunks)));
                res.on('error', reject);
              })
              .on('error', reject);
          }),
        );
        // As the station reads a page (main/core/server-client.ts): bytes, the header decoded.
        const page = await step('parse_rows', () => parsePullRowsBytes(bytes, (b, start, end) => bytes.toString('utf8', start, end)));
        // Sealing alone (its result is dropped), then the whole write, which seals again.
        await step('seal', () => sealer.sealMany(page.rows.filter((r) => r.entity !== 'note_draft').map((r) => r.data)));
        await step('seal_and_write', () => applyFeedRows(store, page.rows, page.cursor));
        cursor = page.cursor;
        if (!page.more) break;
      }
      store.close();
    }
    agent.destroy();
    const figures: Record<string, Figure> = {};
    for (const [k, v] of Object.entries(samples)) {
      const m = median(v);
      if (Number.isNaN(m) || Math.abs(m) < 0.0005) continue;
      figures[`d_cpu_${k}`] = { value: m, unit: 's cpu' };
    }
    printFigures(figures);
    writeResults('bootstrap-phases', figures, [
      `${WARD_PATIENTS} patients and 20,000 lab results, pages of ${PAGE} as feed rows, each step alone; ${ROUNDS} rounds, medians of CPU seconds`,
      'station_*: this process (the station code, with its thread pool); server_*: the server process; postgres_*: the backends of the bench database (bootstrap.ts: backendsCpu)',
      'seal_and_write: applyFeedRows (sealing again, then one SQLite transaction per page); the write alone is seal_and_write - seal',
    ]);
    return figures;
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  }
}
