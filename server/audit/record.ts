import pg from 'pg';
import { currentBranchId, runAtCommit, type Actor, type BranchTransaction } from '../db/with-branch';

export interface AuditEvent {
  action: string;
  entityType?: string;
  entityId?: string;
  patientId?: string;
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
      patient_id: event.patientId ?? null,
      detail: JSON.stringify(event.detail ?? {}),
    })
    .execute();
}

/**
 * The audit row of a unit of work that only reads: appended with its COMMIT, in one message
 * (runAtCommit), so the chain's branch lock is held for no round trip; and, when the unit of
 * work wrote nothing else, committed without waiting for the disk. A database crash can lose
 * the last fraction of a second of read-audit rows, never data (the sync pull makes the same
 * trade).
 */
export function recordReadAudit(trx: BranchTransaction, actor: Actor, event: AuditEvent): void {
  const lit = (v: string | null | undefined) => (v === null || v === undefined ? 'NULL' : pg.escapeLiteral(v));
  runAtCommit(
    trx,
    // Only if the unit of work wrote nothing so far (a read inside a FHIR transaction bundle
    // commits its writes durably).
    `SELECT set_config('synchronous_commit', 'off', true) WHERE pg_current_xact_id_if_assigned() IS NULL; ` +
      `INSERT INTO audit_events (branch_id, actor_kind, actor_id, action, entity_type, entity_id, patient_id, detail) VALUES (` +
      `nullif(current_setting('app.current_branch', true), '')::int, ${lit(actor.kind)}, ${lit(actor.id)}, ${lit(event.action)}, ` +
      `${lit(event.entityType)}, ${lit(event.entityId)}, ${lit(event.patientId)}::uuid, ${lit(JSON.stringify(event.detail ?? {}))}::jsonb)`,
  );
}
