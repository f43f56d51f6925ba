import { spawn, spawnSync } from 'node:child_process';
import { environment } from './config';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { scratchPostgres } from './scratch-postgres';

/*
 * `npm test`: every *.test.ts under the project's folders, on node's test runner, against a real
 * PostgreSQL: DATABASE_URL when set (a role that may create databases and roles), otherwise an
 * embedded PostgreSQL started for this run and removed after it.
 * Arguments narrow the run: `npm test -- server/auth` runs the tests under that path.
 */

const ROOTS = ['contract', 'main', 'renderer', 'server', 'migrations', 'scripts', 'bench', 'e2e'];

function findTests(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (entry.endsWith('.test.ts')) out.push(p);
  }
}

const TEST_TIMEOUT_MS = 5 * 60_000;
const RUN_LIMIT_MS = 45 * 60_000;

function forceExitSupported(): boolean {
  return spawnSync(process.execPath, ['--test-force-exit', '-e', '0'], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files: string[] = [];
  for (const root of ROOTS) {
    try {
      findTests(root, files);
    } catch {
      /* folder not present */
    }
  }
  const selected = files.filter((f) => filters.length === 0 || filters.some((x) => f.startsWith(x) || f.includes(x))).sort();
  if (selected.length === 0) {
    console.error('no test files matched');
    return 1;
  }
  const pg = await scratchPostgres();
  console.log(pg.embedded ? '# tests use an embedded PostgreSQL' : '# tests use the PostgreSQL named by DATABASE_URL');
  const concurrency = Math.max(2, Math.min(4, availableParallelism()));
  // A test or hook that never ends fails by name after TEST_TIMEOUT_MS instead of holding the
  // run (and CI) until its own limit; a file whose tests are done but which still holds a handle
  // open is ended (--test-force-exit, Node 20.14 and later).
  const guards = [`--test-timeout=${TEST_TIMEOUT_MS}`, ...(forceExitSupported() ? ['--test-force-exit'] : [])];
  try {
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...guards, ...selected], {
        stdio: 'inherit',
        env: { ...environment(), WARDSTATION_TEST_ADMIN_URL: pg.adminUrl, NODE_ENV: 'test' },
        // Its own process group, so that the runner and every test file's process end together.
        detached: true,
      });
      const endAll = (signal: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          /* already gone */
        }
      };
      process.on('SIGINT', endAll).on('SIGTERM', endAll);
      // The last guard: a whole run past RUN_LIMIT_MS (something blocked outside any test) ends.
      const watchdog = setTimeout(() => {
        console.error(`the test run passed ${RUN_LIMIT_MS / 60_000} minutes and was stopped: look for the last file that reported`);
        endAll('SIGKILL');
      }, RUN_LIMIT_MS);
      child.on('exit', (c, signal) => {
        clearTimeout(watchdog);
        process.off('SIGINT', endAll).off('SIGTERM', endAll);
        resolve(c ?? (signal ? 1 : 0));
      });
    });
  } finally {
    await pg.stop();
  }
}

process.exit(await main());
