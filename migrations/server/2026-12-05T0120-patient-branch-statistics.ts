import { sql, type Kysely } from 'kysely';

/*
 * A patient belongs to one branch, and PostgreSQL does not know it (issue 18). Every search of a
 * patient's rows has two equalities, branch_id (row-level security's, or the index's first column)
 * and patient_id; the planner multiplies their selectivities as if independent, so with 20
 * branches it expects a twentieth of a patient's rows: 2.5 of the 50 results a patient has at a
 * million observations. Planned for 2.5 rows, reading the patient's results one by one and
 * filtering them looks as cheap as the two-index plan of migration 2026-12-05T0110, and the search
 * read ten times the pages it returns. Functional-dependency statistics tell the planner that
 * patient_id determines branch_id; the estimate becomes the patient's own (5 rows for a patient
 * and a code) and the search keeps to its indexes, in custom and generic plans alike. ANALYZE
 * fills them now; autovacuum keeps them current.
 */
const TABLES = ['observations', 'medication_requests', 'service_requests', 'allergy_intolerances'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await sql`CREATE STATISTICS ${sql.id(`${table}_patient_branch`)} (dependencies) ON branch_id, patient_id FROM ${sql.table(table)}`.execute(db);
    await sql`ANALYZE ${sql.table(table)}`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
