import { sql } from 'kysely';
import type { Mutation, MutationResult } from '../../contract/sync';
import type { BranchTransaction } from '../db/with-branch';
import { applyClinical, isClinicalMutation } from '../clinical/apply';
import { DEFAULT_FHIR_CONFIG, type FhirConfig } from '../fhir/config';

/**
 * Applies a batch in order, each mutation once, in the caller's transaction: one round trip
 * (sync_push_set and sync_apply in sql/push.sql hold the rules, so the claim of the id, the
 * draft change and the stored answer cannot drift apart).
 */
export async function pushMutations(
  trx: BranchTransaction,
  stationId: string,
  userId: number,
  all: readonly Mutation[],
  branchCode = '',
  fhir: FhirConfig = DEFAULT_FHIR_CONFIG,
): Promise<MutationResult[]> {
  // Clinical records (allergies, vitals) go through the FHIR store in Node, after the drafts:
  // neither depends on the other, and each keeps its own order.
  const mutations = all.filter((m) => !isClinicalMutation(m));
  const clinical = new Map<string, MutationResult>();
  for (const m of all) if (isClinicalMutation(m)) clinical.set(m.id, await applyClinical(trx, { id: stationId, branchCode }, userId, m, fhir));
  // jsonb refuses U+0000 for the whole document: such a mutation alone is rejected, not the batch.
  const hasNul = mutations.map((m) => 'text' in m.payload && m.payload.text.includes('\u0000'));
  // Flat records, read by json_to_recordset in one pass (sql/push.sql); i is the position from 1.
  const valid = mutations.filter((_, i) => !hasNul[i]).map((m, i) => {
    const p = m.payload as { draftId?: string; patientId?: string; text?: string; baseVersion?: number };
    return { i: i + 1, id: m.id, kind: m.kind, draft: p.draftId, patient: p.patientId, text: p.text, base: p.baseVersion };
  });
  const r = valid.length
    ? await sql<{ results: Record<string, unknown>[] }>`
        SELECT sync_push_set(${stationId}::uuid, ${userId}::int, ${JSON.stringify(valid)}::json) AS results`.execute(trx)
    : { rows: [] };
  const results = r.rows[0]?.results ?? [];
  let next = 0;
  const drafts = new Map(
    mutations.map((m, i) => [m.id, hasNul[i] ? ({ id: m.id, status: 'rejected', reason: 'invalid' } as MutationResult) : ({ id: m.id, ...stripNulls(results[next++] ?? {}) } as MutationResult)]),
  );
  const answers = all.map((m) => clinical.get(m.id) ?? drafts.get(m.id)!);
  // A replayed id answers its first answer only to the user who sent it first: another user's
  // replay learns nothing of that user's draft (decided by the stored mutation's user, in the database).
  const duplicates = answers.filter((a) => a.status === 'duplicate').map((a) => a.id);
  if (duplicates.length === 0) return answers;
  const foreign = new Set(
    (await trx.selectFrom('sync_mutations').select('id').where('id', 'in', duplicates).where('user_id', '<>', userId).execute()).map((x) => x.id),
  );
  return answers.map((a) => (foreign.has(a.id) ? { id: a.id, status: 'rejected', reason: 'forbidden' } : a));
}

/** jsonb answers carry no undefined; optional fields of the contract must be absent, not null. */
function stripNulls(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null && k !== 'conflictTexts') continue;
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? stripNulls(v as Record<string, unknown>) : v;
  }
  return out;
}
