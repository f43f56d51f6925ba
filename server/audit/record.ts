import { sql } from 'kysely';
import type { Actor, BranchTransaction } from '../db/with-branch';

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
export async function recordAudit(trx: BranchTransaction, _actor: Actor, event: AuditEvent): Promise<void> {
  // audit_append (migration 2026-12-02T1110) takes the branch and the actor from the
  // transaction's settings (withBranch set them): the app role cannot insert audit rows itself,
  // nor name another actor. `_actor` stays in the signature for the callers' readability.
  const patientId = event.patientId ?? (event.patientIds?.length === 1 ? event.patientIds[0]! : null);
  const detail = event.patientIds ? { ...event.detail, patientIds: [...new Set(event.patientIds)].sort() } : (event.detail ?? {});
  await sql`SELECT audit_append(${event.action}, ${event.entityType ?? null}, ${event.entityId ?? null}, ${patientId}::uuid, ${JSON.stringify(detail)}::jsonb)`.execute(trx);
}
