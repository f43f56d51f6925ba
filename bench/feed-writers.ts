import { sql } from 'kysely';
import { createKysely, createPool } from '../server/db/pool';
import type { Database } from '../server/db/database';
import { withBranch } from '../server/db/with-branch';
import { labResultColumns } from '../server/seed/seed';
import type { SyncHarness } from '../server/testing/sync-harness';
import { generateDemoHospital } from '../contract/demo/hospital';
import { rate, type Figure } from './lib';

export const FEED_WRITERS = 16;
export const FEED_WRITE_MS = 6000;

/*
 * (e) Writers of one branch in parallel: each transaction inserts one lab result into
 * `observations` (RLS, feed trigger) through withBranch. Baseline: the same inserts, same path
 * and connections, into a copy of the table without the feed trigger (and without RLS). For
 * comparison, the previous design: the same feed writes, each transaction first taking the
 * branch's advisory lock, as the feed trigger did until then.
 */
export async function feedWriters(h: SyncHarness): Promise<Record<string, Figure>> {
  const db = createKysely<Database>(createPool({ connectionString: h.t.appUrl, max: FEED_WRITERS }));
  const labs = generateDemoHospital({ patientsPerBranch: 4 }).labResults;
  const branch = h.f.north.id;
  const patients = h.f.north.patientIds;
  const actor = { kind: 'system', id: 'bench-writers' } as const;
  await sql`CREATE TABLE bench_obs_raw (LIKE observations INCLUDING ALL)`.execute(h.t.owner);
  await sql`GRANT SELECT, INSERT ON bench_obs_raw TO ${sql.id(`${h.t.name}_app`)}`.execute(h.t.owner);
  let n = 0;
  const row = () => ({ branch_id: branch, patient_id: patients[n % patients.length]!, ...labResultColumns(labs[n++ % labs.length]!) });
  const fed = () => withBranch(db, branch, actor, (trx) => trx.insertInto('observations').values(row()).execute()).then(() => {});
  const raw = () =>
    withBranch(db, branch, actor, (trx) => trx.insertInto('bench_obs_raw' as 'observations').values(row()).execute()).then(() => {});
  const locked = () =>
    withBranch(db, branch, actor, async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(7301, ${branch}::int)`.execute(trx);
      await trx.insertInto('observations').values(row()).execute();
    });
  try {
    await rate(FEED_WRITERS, 500, raw); // warm-up: connections, plans
    await rate(FEED_WRITERS, 500, fed);
    // Interleaved one-second slices: the machine's load drifts, and each design meets the same drift.
    const sums = { raw: 0, fed: 0, locked: 0 };
    const slices = FEED_WRITE_MS / 1000;
    for (let i = 0; i < slices; i++) {
      sums.raw += await rate(FEED_WRITERS, 1000, raw);
      sums.fed += await rate(FEED_WRITERS, 1000, fed);
      sums.locked += await rate(FEED_WRITERS, 1000, locked);
    }
    const [rawRate, fedRate, lockedRate] = [sums.raw / slices, sums.fed / slices, sums.locked / slices];
    return {
      e_writers_feed_rate: { value: Math.round(fedRate), unit: 'tx/s' },
      e_writers_raw_rate: { value: Math.round(rawRate), unit: 'tx/s' },
      e_writers_ratio: { value: fedRate / rawRate, unit: 'ratio', goal: '>= 0.6' },
      e_writers_branch_lock_rate: { value: Math.round(lockedRate), unit: 'tx/s' },
      e_writers_branch_lock_ratio: { value: lockedRate / rawRate, unit: 'ratio' },
    };
  } finally {
    await db.destroy();
  }
}
