import pg from 'pg';
import { sql } from 'kysely';
import { withBranch } from '../server/db/with-branch';
import { createKysely, createPool } from '../server/db/pool';
import type { Database } from '../server/db/database';
import { createTestDatabase } from '../server/testing/test-db';
import { twoBranches } from '../server/testing/fixtures';
import { median, printFigures, rate, writeResults, type Figure } from './lib';

/*
 * RLS and branch scoping cost: the same reads and inserts through withBranch (transaction,
 * set_config, row-level security) and on a raw `pg` pool against an identical table without RLS,
 * each as a transaction (BEGIN, statement, COMMIT), same pool size, same run, interleaved rounds.
 */

const POOL = 4;
const WORKERS = 8;
const ROUND_MS = 1500;
const ROUNDS = 5;
const PATIENTS_PER_BRANCH = 3000;
// The statement the patient search issues (server/patients/repository.ts), minus RLS.
const RAW_SEARCH = `SELECT id, mrn, family_name, given_names, birth_date FROM bench_patients_raw
  WHERE branch_id = $1 AND family_search ~>=~ search_key($2) AND family_search ~<~ (search_key($2) || chr(1114111))
  ORDER BY family_search USING ~<~ LIMIT 20`;
const PREFIXES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'k', 'm', 'n', 'o', 'p', 'r', 's', 't'];

export async function run(): Promise<Record<string, Figure>> {
  const t = await createTestDatabase({ appPoolSize: POOL });
  const f = await twoBranches(t.owner, 1);
  const branches = [f.north.id, f.south.id];
  const admin = { kind: 'admin', id: 'bench' } as const;
  for (const b of branches) {
    await withBranch(t.owner, b, admin, async (trx) => {
      await sql`
        INSERT INTO patients (branch_id, mrn, national_id, family_name, given_names, birth_date, sex)
        SELECT ${b}, 'B' || g, 'NID' || g, chr(97 + (g % 20)) || md5(g::text), ARRAY['Given'], date '1940-01-01' + (g % 20000), 'unknown'
          FROM generate_series(1, ${PATIENTS_PER_BRANCH}) g`.execute(trx);
    });
  }
  await sql`CREATE TABLE bench_patients_raw (LIKE patients INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING GENERATED)`.execute(t.owner);
  for (const b of branches) {
    await withBranch(t.owner, b, admin, (trx) => sql`INSERT INTO bench_patients_raw (branch_id, id, mrn, national_id, family_name, given_names, birth_date, sex) SELECT branch_id, id, mrn, national_id, family_name, given_names, birth_date, sex FROM patients`.execute(trx));
  }
  // The same foreign keys as patients: their checks are part of an insert's cost, not RLS's.
  await sql`ALTER TABLE bench_patients_raw ADD FOREIGN KEY (branch_id) REFERENCES branches(id),
            ADD FOREIGN KEY (branch_id, ward_id) REFERENCES wards(branch_id, id)`.execute(t.owner);
  await sql`GRANT SELECT, INSERT ON bench_patients_raw TO ${sql.id(`${t.name}_app`)}`.execute(t.owner);
  // The scoped insert target: the same table under the same branch policy, but without the
  // patients table's change-feed trigger (measured on its own below): the difference from the
  // raw table is then RLS and scoping alone.
  await sql`CREATE TABLE bench_patients_scoped (LIKE bench_patients_raw INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING GENERATED)`.execute(t.owner);
  await sql`ALTER TABLE bench_patients_scoped ADD FOREIGN KEY (branch_id) REFERENCES branches(id),
            ADD FOREIGN KEY (branch_id, ward_id) REFERENCES wards(branch_id, id)`.execute(t.owner);
  await sql`ALTER TABLE bench_patients_scoped ENABLE ROW LEVEL SECURITY`.execute(t.owner);
  await sql`ALTER TABLE bench_patients_scoped FORCE ROW LEVEL SECURITY`.execute(t.owner);
  await sql`CREATE POLICY branch_isolation ON bench_patients_scoped
              USING (branch_id = NULLIF(current_setting('app.current_branch', true), '')::int)
              WITH CHECK (branch_id = NULLIF(current_setting('app.current_branch', true), '')::int)`.execute(t.owner);
  await sql`GRANT SELECT, INSERT ON bench_patients_scoped TO ${sql.id(`${t.name}_app`)}`.execute(t.owner);
  await sql`ANALYZE`.execute(t.owner);

  const raw = new pg.Pool({ connectionString: t.appUrl, max: POOL });
  const app = createKysely<Database>(createPool({ connectionString: t.appUrl, max: POOL }));
  const actor = { kind: 'user', id: 'bench' } as const;
  let n = 0;
  const pick = (w: number) => PREFIXES[(w * 7 + n++) % PREFIXES.length]!;

  const rawRead = async (w: number) => {
    const c = await raw.connect();
    try {
      await c.query('BEGIN');
      await c.query(
        RAW_SEARCH,
        [branches[w % 2], pick(w)],
      );
      await c.query('COMMIT');
    } finally {
      c.release();
    }
  };
  const appRead = (w: number) => {
    const prefix = pick(w);
    return withBranch(app, branches[w % 2]!, actor, (trx) =>
      trx
        .selectFrom('patients')
        .select(['id', 'mrn', 'family_name', 'given_names', 'birth_date'])
        .where(sql<boolean>`family_search ~>=~ search_key(${prefix}) AND family_search ~<~ (search_key(${prefix}) || chr(1114111))`)
        .orderBy(sql`family_search USING ~<~`)
        .limit(20)
        .execute(),
    ).then(() => {});
  };
  // The same statement text as the raw baseline, through withBranch on the RLS table.
  const scopedRead = (w: number) =>
    withBranch(app, branches[w % 2]!, actor, (trx) => sql`
      SELECT id, mrn, family_name, given_names, birth_date FROM patients
       WHERE family_search ~>=~ search_key(${pick(w)}) AND family_search ~<~ (search_key(${pick(w)}) || chr(1114111))
       ORDER BY family_search USING ~<~ LIMIT 20`.execute(trx)).then(() => {});
  const scopedInsert = (w: number) =>
    withBranch(app, branches[w % 2]!, actor, (trx) => sql`
      INSERT INTO bench_patients_scoped (branch_id, mrn, family_name, given_names, sex)
      VALUES (${branches[w % 2]!}, ${`S${n++}-${w}`}, 'Bench', ${['Scoped']}, 'unknown')`.execute(trx)).then(() => {});
  const rawInsert = async (w: number) => {
    const c = await raw.connect();
    try {
      await c.query('BEGIN');
      await c.query(
        "INSERT INTO bench_patients_raw (branch_id, mrn, family_name, given_names, sex) VALUES ($1, $2, $3, $4, 'unknown')",
        [branches[w % 2], `R${n++}-${w}`, 'Bench', ['Raw']],
      );
      await c.query('COMMIT');
    } finally {
      c.release();
    }
  };
  const appInsert = (w: number) =>
    withBranch(app, branches[w % 2]!, actor, (trx) =>
      trx.insertInto('patients').values({ branch_id: branches[w % 2]!, mrn: `A${n++}-${w}`, family_name: 'Bench', given_names: ['App'], sex: 'unknown' }).execute(),
    ).then(() => {});
  const rawAutocommitRead = (w: number) =>
    raw
      .query(
        RAW_SEARCH,
        [branches[w % 2], pick(w)],
      )
      .then(() => {});

  // Warm both paths (plans, connections) before measuring.
  await rate(WORKERS, 500, rawRead);
  await rate(WORKERS, 500, appRead);

  const ops = { rawRead, scopedRead, appRead, rawInsert, scopedInsert, appInsert, rawAuto: rawAutocommitRead };
  const samples = Object.fromEntries(Object.keys(ops).map((k) => [k, [] as number[]])) as Record<keyof typeof ops, number[]>;
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so that drift on a shared machine does not favour one path.
    const keys = Object.keys(ops) as (keyof typeof ops)[];
    for (let k = 0; k < keys.length; k++) {
      const key = keys[(k + r) % keys.length]!;
      samples[key].push(await rate(WORKERS, ROUND_MS, ops[key]));
    }
  }
  await raw.end();
  await app.destroy();
  await t.close();

  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<keyof typeof samples, number>;
  const figures: Record<string, Figure> = {
    raw_read_rate: { value: Math.round(m.rawRead), unit: 'tx/s' },
    withBranch_read_rate: { value: Math.round(m.scopedRead), unit: 'tx/s' },
    read_ratio: { value: m.scopedRead / m.rawRead, unit: 'ratio', goal: '>= 0.8' },
    raw_insert_rate: { value: Math.round(m.rawInsert), unit: 'tx/s' },
    withBranch_insert_rate: { value: Math.round(m.scopedInsert), unit: 'tx/s' },
    insert_ratio: { value: m.scopedInsert / m.rawInsert, unit: 'ratio', goal: '>= 0.8' },
    withBranch_kysely_builder_read_rate: { value: Math.round(m.appRead), unit: 'tx/s' },
    kysely_builder_read_ratio: { value: m.appRead / m.rawRead, unit: 'ratio' },
    patients_insert_with_change_feed_rate: { value: Math.round(m.appInsert), unit: 'tx/s' },
    patients_insert_with_change_feed_ratio: { value: m.appInsert / m.rawInsert, unit: 'ratio' },
    raw_autocommit_read_rate: { value: Math.round(m.rawAuto), unit: 'statements/s' },
    withBranch_vs_autocommit_read_ratio: { value: m.appRead / m.rawAuto, unit: 'ratio' },
  };
  printFigures(figures);
  writeResults('rls', figures, [
    `pool ${POOL}, ${WORKERS} concurrent callers, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms, medians`,
    `${PATIENTS_PER_BRANCH} patients per branch, 2 branches; raw baseline: same statements in BEGIN/COMMIT on a table without RLS`,
    'read/insert ratios: the identical statement text through withBranch on the RLS table (the cost of RLS and scoping)',
    'kysely_builder_read: the app\'s own query-builder path, which adds Node CPU on this 2-core machine',
    'patients_insert_with_change_feed: the real patients table through the query builder, whose trigger appends every row to the branch change feed under a per-branch lock (DESIGN §4)',
    'withBranch_vs_autocommit: a bare single statement with no transaction, for reference',
  ]);
  return figures;
}
