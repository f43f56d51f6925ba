import { sql } from 'kysely';
import type { Mutation, MutationResult } from '../../contract/sync';
import type { BranchTransaction } from '../db/with-branch';

/**
 * Applies a batch in order, each mutation once, in the caller's transaction: one round trip
 * (sync_apply in migrations/server/2026-11-25T1000-sync.ts holds the per-mutation rules, so
 * the claim of the id, the draft change and the stored answer cannot drift apart).
 */
export async function pushMutations(
  trx: BranchTransaction,
  stationId: string,
  userId: number,
  mutations: readonly Mutation[],
): Promise<MutationResult[]> {
  // jsonb refuses U+0000 for the whole document: such a mutation alone is rejected, not the batch.
  const hasNul = mutations.map((m) => 'text' in m.payload && m.payload.text.includes('\u0000'));
  const valid = mutations.filter((_, i) => !hasNul[i]).map((m) => JSON.stringify({ id: m.id, kind: m.kind, payload: m.payload }));
  const r = valid.length
    ? await sql<{ results: Record<string, unknown>[] }>`
        SELECT sync_push(${stationId}::uuid, ${userId}::int, ${`[${valid.join(',')}]`}::jsonb) AS results`.execute(trx)
    : { rows: [] };
  const results = r.rows[0]?.results ?? [];
  let next = 0;
  const answers = mutations.map((m, i) =>
    hasNul[i]
      ? ({ id: m.id, status: 'rejected', reason: 'invalid' } as MutationResult)
      : ({ id: m.id, ...stripNulls(results[next++] ?? {}) } as MutationResult),
  );
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
