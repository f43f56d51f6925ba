import type { AppContext } from '../context';
import { withBranch } from '../../db/with-branch';

/*
 * Not built, not run: server/http/patient-tables.test.ts type-checks this file and expects an error
 * on exactly the lines marked `must not compile`, and none elsewhere. A route holds ctx.db, whose
 * type has no patient tables; only the transaction withBranch hands out has them.
 */
const actor = { kind: 'system', id: 'fixture' } as const;

export async function route(ctx: AppContext): Promise<void> {
  // Patient tables inside withBranch: compiles.
  await withBranch(ctx.db, 1, actor, (trx) => trx.selectFrom('patients').selectAll().execute());
  // Tables without patient data, outside withBranch: compiles.
  await ctx.db.selectFrom('stations').select('id').execute();

  await ctx.db.selectFrom('patients').selectAll().execute(); // must not compile
  await ctx.db.insertInto('note_drafts').values({ branch_id: 1, id: 'x', patient_id: 'p', author_user_id: 1, text: '' }).execute(); // must not compile
  await ctx.db.updateTable('soap_drafts').set({ status: 'approved' }).execute(); // must not compile
  await ctx.db.deleteFrom('observations').execute(); // must not compile
  await ctx.db.transaction().execute((trx) => trx.selectFrom('audit_events').selectAll().execute()); // must not compile
}
