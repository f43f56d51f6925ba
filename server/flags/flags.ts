import type { FeatureFlag, SetFeatureFlagInput } from '../../contract/flags';
import { recordAudit } from '../audit/record';
import { asSystemDb } from '../db/system-db';
import type { Actor, BranchTransaction } from '../db/with-branch';
import { notifyStations } from '../releases/signals';

/* Feature flags of the transaction's branch (row-level security scopes them). */

export async function listFlags(trx: BranchTransaction): Promise<FeatureFlag[]> {
  const rows = await trx.selectFrom('feature_flags').select(['key', 'enabled', 'value', 'updated_at', 'updated_by']).orderBy('key').execute();
  return rows.map((r) => ({
    key: r.key,
    enabled: r.enabled,
    value: (r.value ?? null) as FeatureFlag['value'],
    updatedAt: r.updated_at.toISOString(),
    updatedBy: r.updated_by,
  }));
}

/**
 * Sets a flag in the transaction's branch, audited and signalled to the stations in the same unit
 * of work (the signal travels only if it commits). The caller owns the transaction.
 */
export async function setFlag(trx: BranchTransaction, branchId: number, actor: Actor, key: string, input: SetFeatureFlagInput): Promise<void> {
  const value = input.value === undefined ? null : JSON.stringify(input.value);
  const by = `${actor.kind}:${actor.id}`;
  await notifyStations(asSystemDb(trx), { channel: 'stable', kind: 'flags', branchId });
  await trx
    .insertInto('feature_flags')
    .values({ branch_id: branchId, key, enabled: input.enabled, value, updated_by: by })
    .onConflict((oc) => oc.columns(['branch_id', 'key']).doUpdateSet({ enabled: input.enabled, value, updated_by: by, updated_at: new Date() }))
    .execute();
  await recordAudit(trx, actor, { action: 'flag.set', entityType: 'feature_flag', entityId: key, detail: { enabled: input.enabled } });
}
