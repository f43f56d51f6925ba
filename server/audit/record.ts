import { sql } from 'kysely';
import pg from 'pg';
import { runAtCommit, type Actor, type BranchTransaction } from '../db/with-branch';

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
 * The audit row of a unit of work that only reads: appended with its COMMIT, in one message
 * (runAtCommit), and on disk before withBranch returns, so before the answer leaves: a database
 * crash cannot lose the record of a read someone was answered.
 *
 * Without holding the audit chain's branch lock through the disk flush: when the unit of work
 * wrote nothing else, its COMMIT does not wait for the disk (the lock is released at once), and
 * the statement after the COMMIT, in the same message, writes a transactional WAL message in a
 * transaction of its own that does wait: WAL is flushed in order, so that flush carries the audit
 * row's commit record with it. withBranch answers only after it. Concurrent reads of one branch
 * then share flushes instead of taking turns at one flush each (a durable COMMIT under the lock
 * held a busy branch's reads to about one per disk flush). A unit of work that also wrote commits
 * durably as before, and the statement after the COMMIT does nothing.
 */
export function recordReadAudit(trx: BranchTransaction, _actor: Actor, event: AuditEvent): void {
  // audit_append takes the branch and actor from the transaction.
  runAtCommit(
    trx,
    `SELECT set_config('synchronous_commit', 'off', true), set_config('app.audit_flush', 'on', false) WHERE pg_current_xact_id_if_assigned() IS NULL; ${appendStatement(event)}`,
    FLUSH_AFTER_COMMIT,
  );
}

/**
 * After an asynchronous read-audit COMMIT (the session flag says so), a transaction that waits
 * for the disk: pg_logical_emit_message(true, …) takes a transaction id and writes WAL, so its
 * COMMIT flushes the WAL, the audit row's commit record included (synchronous_commit is the
 * session's again: the SET LOCAL ended with the unit of work). It writes no table.
 */
const FLUSH_AFTER_COMMIT =
  "SELECT set_config('app.audit_flush', '', false), pg_logical_emit_message(true, 'wardstation.audit_flush', '') WHERE current_setting('app.audit_flush', true) = 'on'";

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
