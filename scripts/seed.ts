import { parseArgs } from 'node:util';
import type { Database } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrate';
import { createKysely, createPool } from '../server/db/pool';
import { DEMO_PASSWORD, seedDemo } from '../server/seed/seed';
import { resolveDatabase } from './database-env';
import { progressBar } from './progress';

/* `npm run seed -- --patients N`: the deterministic demo hospital, N patients per branch. */
const { values } = parseArgs({
  options: { patients: { type: 'string', default: '40' }, labs: { type: 'string' }, seed: { type: 'string' } },
});
const patientsPerBranch = Number(values.patients);
if (!Number.isInteger(patientsPerBranch) || patientsPerBranch < 1) {
  console.error('--patients takes a positive whole number (patients per branch)');
  process.exit(2);
}
const env = await resolveDatabase();
const db = createKysely<Database>(createPool({ connectionString: env.ownerUrl, max: 2, applicationName: 'wardstation-seed', statementTimeoutMs: 0 }));
let code = 0;
try {
  await migrateToLatest(env.ownerUrl, env.appUrl || null);
  const report = await seedDemo(db, {
    patientsPerBranch,
    referenceInstant: new Date().toISOString(),
    ...(values.labs ? { labsPerPatient: Number(values.labs) } : {}),
    ...(values.seed ? { seed: Number(values.seed) } : {}),
    onProgress: progressBar('seeding'),
  });
  if (!report.seeded) {
    console.log('the database already holds a hospital: seed skipped');
  } else {
    console.log(
      `seeded ${report.branches} branches, ${report.patients} patients, ${report.labResults} lab results, ` +
        `${report.medications} medication orders, ${report.referrals} referrals`,
    );
    console.log(`demo sign-ins (demo only): dr.north, nurse.north, dr.south, it.admin; password "${DEMO_PASSWORD}"`);
  }
} catch (e) {
  console.error(`seed failed: ${e instanceof Error ? e.message : String(e)}`);
  code = 1;
} finally {
  await db.destroy();
  await env.release();
}
process.exit(code);
