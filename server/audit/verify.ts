import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { SystemDb } from '../db/system-db';
import { withBranch } from '../db/with-branch';

export interface ChainReport {
  branchId: number;
  branchCode: string;
  rows: number;
  /** The first row whose hash or link does not hold, if any. */
  firstBroken: { seq: string; reason: string } | null;
  /** The newest row: what a checkpoint records. */
  head: { seq: string; hash: string } | null;
}

const ZERO_HASH = '0'.repeat(64);
const PAGE = 5000;

interface CanonicalRow {
  seq: string;
  branch_id: string;
  at: string;
  actor_kind: string;
  actor_id: string;
  action: string;
  entity_type: string;
  entity_id: string;
  patient_id: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** Mirrors audit_events_canonical() of migrations/server/2026-11-25T0300-audit.ts. */
function canonical(r: CanonicalRow): string {
  return [r.branch_id, r.seq, r.at, r.actor_kind, r.actor_id, r.action, r.entity_type, r.entity_id, r.patient_id, r.detail, r.prev_hash].join('|');
}

/**
 * Recomputes every branch's chain in Node, independently of the trigger that built it, and
 * names the first row that breaks: an edited field, a deleted row (a gap in seq or a link
 * that does not match) or a forged hash.
 */
export async function verifyAuditChains(db: SystemDb): Promise<ChainReport[]> {
  const branches = await db.selectFrom('branches').select(['id', 'code']).orderBy('id').execute();
  const reports: ChainReport[] = [];
  for (const b of branches) {
    reports.push(await verifyBranch(db, b.id, b.code));
  }
  return reports;
}

async function verifyBranch(db: SystemDb, branchId: number, branchCode: string): Promise<ChainReport> {
  let prevHash = ZERO_HASH;
  let expectedSeq = 1n;
  let rows = 0;
  let after = 0n;
  for (;;) {
    const page = await withBranch(db, branchId, { kind: 'admin', id: 'audit-verify' }, (trx) =>
      sql<CanonicalRow>`
        SELECT seq::text, branch_id::text,
               to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
               actor_kind, coalesce(actor_id, '') AS actor_id, action,
               coalesce(entity_type, '') AS entity_type, coalesce(entity_id, '') AS entity_id,
               coalesce(patient_id::text, '') AS patient_id, detail::text AS detail, prev_hash, hash
          FROM audit_events e
         -- The branch is chosen here, not only by RLS: a superuser or BYPASSRLS role sees every
         -- branch's rows, and its verdict must be the same as the app role's.
         WHERE e.branch_id = ${branchId}::int AND e.seq > ${after.toString()}::bigint ORDER BY e.seq LIMIT ${PAGE}`.execute(trx),
    );
    for (const r of page.rows) {
      rows++;
      const seq = BigInt(r.seq);
      if (seq !== expectedSeq) return broken(branchId, branchCode, rows, expectedSeq.toString(), `row ${expectedSeq} is missing`);
      if (r.prev_hash !== prevHash) return broken(branchId, branchCode, rows, r.seq, 'link to the previous row does not match');
      const hash = createHash('sha256').update(canonical(r), 'utf8').digest('hex');
      if (hash !== r.hash) return broken(branchId, branchCode, rows, r.seq, 'content does not match its hash');
      prevHash = r.hash;
      expectedSeq = seq + 1n;
      after = seq;
    }
    if (page.rows.length < PAGE) break;
  }
  return { branchId, branchCode, rows, firstBroken: null, head: rows ? { seq: after.toString(), hash: prevHash } : null };
}

function broken(branchId: number, branchCode: string, rows: number, seq: string, reason: string): ChainReport {
  return { branchId, branchCode, rows, firstBroken: { seq, reason }, head: null };
}
