import { sql } from 'kysely';
import pg from 'pg';
import { queueReadAudit, runAtCommit, type Actor, type BranchTransaction } from '../db/with-branch';

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
function rowFields(event: AuditEvent): { patientId: string | null; detail: Record<string, unknown> } {
  return {
    patientId: event.patientId ?? (event.patientIds?.length === 1 ? event.patientIds[0]! : null),
    detail: event.patientIds ? { ...event.detail, patientIds: [...new Set(event.patientIds)].sort() } : (event.detail ?? {}),
  };
}

export async function recordAudit(trx: BranchTransaction, _actor: Actor, event: AuditEvent): Promise<void> {
  // audit_append (migration 2026-12-02T1110) takes the branch and the actor from the
  // transaction's settings (withBranch set them): the app role cannot insert audit rows itself,
  // nor name another actor. `_actor` stays in the signature for the callers' readability.
  const { patientId, detail } = rowFields(event);
  await sql`SELECT audit_append(${event.action}, ${event.entityType ?? null}, ${event.entityId ?? null}, ${patientId}::uuid, ${JSON.stringify(detail)}::jsonb)`.execute(trx);
}

/**
 * The audit row of a read (search, read, pull): written after the unit of work, by the server's
 * read-audit batch (server/db/read-audit.ts), which appends the rows of concurrent reads to the
 * chain in one transaction and one durable commit. withBranch returns only once that commit is on
 * disk, so before the answer leaves: a crash cannot lose the record of a read someone was
 * answered, and a batch that fails fails its reads instead of answering them. The actor is the
 * unit of work's own (audit_append takes it from the transaction's settings); a unit of work that
 * fails writes no row.
 */
export function recordReadAudit(trx: BranchTransaction, _actor: Actor, event: AuditEvent): void {
  const { patientId, detail } = rowFields(event);
  queueReadAudit(trx, { action: event.action, entity_type: event.entityType ?? null, entity_id: event.entityId ?? null, patient_id: patientId, detail });
}

/**
 * The audit row of a unit of work that writes, appended with its COMMIT in the same message and
 * committed as durably as the writes it records: the chain's branch lock is then held from the
 * append to the commit only, not also for a round trip to this process (sync push).
 */
export function recordAuditAtCommit(trx: BranchTransaction, _actor: Actor, event: AuditEvent): void {
  runAtCommit(trx, appendStatement(event));
}

function appendStatement(event: AuditEvent): string {
  const lit = (v: string | null | undefined) => (v === null || v === undefined ? 'NULL' : pg.escapeLiteral(v));
  const { patientId, detail } = rowFields(event);
  return `SELECT audit_append(${lit(event.action)}, ${lit(event.entityType)}, ${lit(event.entityId)}, ${lit(patientId)}::uuid, ${lit(JSON.stringify(detail))}::jsonb)`;
}
