import { currentBranchId, type Actor, type BranchTransaction } from '../db/with-branch';

export interface AuditEvent {
  action: string;
  entityType?: string;
  entityId?: string;
  patientId?: string;
  /**
   * Every patient a read returned (search, _include, pull, notes): kept in the hashed detail as
   * `patientIds`, so "who looked at this patient" finds the row. One id also fills patient_id.
   */
  patientIds?: readonly string[];
  /** Never patient data beyond ids: names, notes and values stay out of the audit detail. */
  detail?: Record<string, string | number | boolean | null | readonly string[]>;
}

/**
 * Appends to the branch's audit chain inside the caller's transaction, so the audit row and the
 * change it records commit or roll back together. Call it last in the unit of work: the chain's
 * per-branch lock is then held only until commit.
 */
export async function recordAudit(trx: BranchTransaction, actor: Actor, event: AuditEvent): Promise<void> {
  await trx
    .insertInto('audit_events')
    .values({
      // The transaction's own branch: an audit row can only land in the chain withBranch opened.
      branch_id: currentBranchId(),
      actor_kind: actor.kind,
      actor_id: actor.id,
      action: event.action,
      entity_type: event.entityType ?? null,
      entity_id: event.entityId ?? null,
      patient_id: event.patientId ?? (event.patientIds?.length === 1 ? event.patientIds[0]! : null),
      detail: JSON.stringify(event.patientIds ? { ...event.detail, patientIds: [...new Set(event.patientIds)].sort() } : (event.detail ?? {})),
    })
    .execute();
}
