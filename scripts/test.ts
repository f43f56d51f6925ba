import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from './embedded-pg';

/*
 * `npm test`: every *.test.ts under the project's folders, on node's test runner, against a real
 * PostgreSQL: DATABASE_URL when set (a role that may create databases and roles), otherwise an
 * embedded PostgreSQL started here for this run and removed after it.
 * Arguments narrow the run: `npm test -- server/auth` runs the tests under that path.
 */

const ROOTS = ['contract', 'main', 'renderer', 'server', 'migrations', 'scripts', 'bench'];

function findTests(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (entry.endsWith('.test.ts')) out.push(p);
  }
}

async function dropStaleTestDatabases(url: string): Promise<void> {
  // Left behind by a run that was killed; names carry their creation time (base 36 seconds).
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = Math.floor(Date.now() / 1000);
    const dbs = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'wt\\_%'`);
    for (const { datname } of dbs.rows) {
      const stamp = parseInt(datname.split('_')[1] ?? '', 36);
      if (!Number.isFinite(stamp) || now - stamp < 6 * 3600) continue;
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      for (const suffix of ['_login', '_app', '_owner']) await client.query(`DROP ROLE IF EXISTS "${datname}${suffix}"`);
    }
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files: string[] = [];
  for (const root of ROOTS) {
    try {
      findTests(root, files);
    } catch {
      /* folder not present yet */
    }
  }
  const selected = files.filter((f) => filters.length === 0 || filters.some((x) => f.startsWith(x) || f.includes(x))).sort();
  if (selected.length === 0) {
    console.error('no test files matched');
    return 1;
  }

  let embedded: EmbeddedServer | null = null;
  let dataDir: string | null = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(path.join(tmpdir(), 'wardstation-test-pg-'));
    embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), password: 'test', persistent: false, initialise: true });
    adminUrl = embedded.superuserUrl();
    console.log(`# tests use an embedded PostgreSQL on port ${embedded.port}`);
  } else {
    await dropStaleTestDatabases(adminUrl);
    console.log('# tests use the PostgreSQL named by DATABASE_URL');
  }

  const concurrency = Math.max(2, Math.min(4, availableParallelism()));
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...selected],
      { stdio: 'inherit', env: { ...process.env, WARDSTATION_TEST_ADMIN_URL: adminUrl, NODE_ENV: 'test' } },
    );
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });

  if (embedded) await embedded.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  return code;
}

process.exit(await main());
