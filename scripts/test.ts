import { spawn } from 'node:child_process';
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
  try {
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...selected], {
        stdio: 'inherit',
        env: { ...environment(), WARDSTATION_TEST_ADMIN_URL: pg.adminUrl, NODE_ENV: 'test' },
      });
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
  } finally {
    await pg.stop();
  }
}

process.exit(await main());
