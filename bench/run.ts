import { scratchPostgres } from '../scripts/scratch-postgres';

/* `npm run bench -- <name> [...]`: each benchmark prints its figures and writes bench/results/<name>.json. */

const BENCHMARKS: Record<string, () => Promise<{ run: () => Promise<unknown> }>> = {
  rls: () => import('./rls'),
  data: () => import('./data'),
  fhir: () => import('./fhir'),
  notes: () => import('./notes'),
  'notes-accuracy': () => import('./notes-accuracy'),
  fleet: () => import('./fleet'),
  bluegreen: () => import('./bluegreen'),
  sync: () => import('./sync'),
  bootstrap: () => import('./bootstrap'),
  'bootstrap-phases': () => import('./bootstrap-phases'),
  ui: () => import('./ui'),
  fairness: () => import('./fairness'),
};

const names = process.argv.slice(2);
const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
for (const n of selected) {
  if (!BENCHMARKS[n]) {
    console.error(`unknown benchmark ${n}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exit(2);
  }
}
// Benchmarks that read no database start none.
const WITHOUT_DB = new Set(['notes-accuracy']);
const pg = selected.every((n) => WITHOUT_DB.has(n)) ? null : await scratchPostgres();
if (pg) process.env.WARDSTATION_TEST_ADMIN_URL = pg.adminUrl;
let failed = false;
try {
  for (const n of selected) {
    console.log(`bench ${n}${pg?.embedded ? ' (embedded PostgreSQL)' : ''}`);
    try {
      await (await BENCHMARKS[n]!()).run();
    } catch (e) {
      failed = true;
      console.error(`bench ${n} failed: ${e instanceof Error ? e.stack : String(e)}`);
    }
  }
} finally {
  await pg?.stop();
}
process.exit(failed ? 1 : 0);
