import type { Flag, SetFlagInput } from '../../contract/flags';
import { recordAudit } from '../audit/record';
import { asSystemDb, type SystemDb } from '../db/system-db';
import { withBranch, type Actor, type BranchTransaction } from '../db/with-branch';
import { notifyStations } from '../releases/signals';

/* Feature flags of the transaction's branch (row-level security scopes them). */

export async function listFlags(trx: BranchTransaction): Promise<Flag[]> {
  const rows = await trx.selectFrom('feature_flags').select(['key', 'enabled', 'value', 'updated_at', 'updated_by']).orderBy('key').execute();
  return rows.map((r) => ({
    key: r.key,
    enabled: r.enabled,
    value: (r.value ?? null) as Flag['value'],
    updatedAt: r.updated_at.toISOString(),
    updatedBy: r.updated_by,
  }));
}

/** Sets a flag in the transaction's branch; audited in the same unit of work. */
export async function setFlag(trx: BranchTransaction, branchId: number, actor: Actor, key: string, input: SetFlagInput): Promise<void> {
  const value = input.value === undefined ? null : JSON.stringify(input.value);
  const by = `${actor.kind}:${actor.id}`;
  await trx
    .insertInto('feature_flags')
    .values({ branch_id: branchId, key, enabled: input.enabled, value, updated_by: by })
    .onConflict((oc) => oc.columns(['branch_id', 'key']).doUpdateSet({ enabled: input.enabled, value, updated_by: by, updated_at: new Date() }))
    .execute();
  await recordAudit(trx, actor, { action: 'flag.set', entityType: 'feature_flag', entityId: key, detail: { enabled: input.enabled } });
}

/** The admin CLI's entry: a flag of the branch named by its code, with the stations signalled. */
export async function setBranchFlag(
  db: SystemDb,
  branchCode: string,
  actor: Actor,
  key: string,
  input: SetFlagInput,
): Promise<void> {
  const branch = await db.selectFrom('branches').select('id').where('code', '=', branchCode).executeTakeFirst();
  if (!branch) throw new Error(`no branch ${branchCode}`);
  await withBranch(db, branch.id, actor, async (trx) => {
    await notifyStations(asSystemDb(trx), { channel: 'stable', kind: 'flags', branchId: branch.id });
    await setFlag(trx, branch.id, actor, key, input);
  });
}
