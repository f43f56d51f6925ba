import { sql } from 'kysely';
import type { Mutation, MutationResult } from '../../contract/sync';
import type { BranchTransaction } from '../db/with-branch';
import { applyClinical, isClinicalMutation } from '../clinical/apply';
import { DEFAULT_FHIR_CONFIG, type FhirConfig } from '../fhir/config';

/**
 * Applies a batch in order, each mutation once, in the caller's transaction: one round trip
 * (sync_push_arrays and sync_apply in sql/push.sql hold the rules, so the claim of the id, the
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
  // PostgreSQL stores no U+0000 (text refuses it, and so the whole statement): such a mutation alone is rejected, not the batch.
  const hasNul = mutations.map((m) => 'text' in m.payload && m.payload.text.includes('\u0000'));
  const valid = mutations.filter((_, i) => !hasNul[i]);
  const results = valid.length ? await pushArrays(trx, stationId, userId, valid) : [];
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

/**
 * The draft mutations as sync_push_arrays' parameters, one array per field in batch order: the
 * texts as a binary text[], the rest as array literals (ids, kinds and versions the contract has
 * already checked, written here without pg's per-element quoting).
 */
export function pushArrayParams(mutations: readonly Mutation[]) {
  const payloads = mutations.map((m) => m.payload as { draftId?: string; patientId?: string; text?: string; baseVersion?: number });
  return {
    ids: uuidArray(mutations.map((m) => m.id)),
    kinds: `{${mutations.map((m) => KIND_LITERAL[m.kind] ?? unexpected(m.kind)).join(',')}}`,
    drafts: uuidArray(payloads.map((p) => p.draftId)),
    patients: uuidArray(payloads.map((p) => p.patientId)),
    texts: binaryTextArray(payloads.map((p) => p.text ?? null)),
    bases: `{${payloads.map((p) => (p.baseVersion === undefined ? 'NULL' : String(Math.trunc(p.baseVersion)))).join(',')}}`,
  };
}

const KIND_LITERAL: Partial<Record<Mutation['kind'], string>> = { 'draft.save': 'draft.save', 'draft.resolve': 'draft.resolve', 'draft.submit': 'draft.submit' };
const UUID_TEXT = /^[0-9a-fA-F-]{32,36}$/;

function unexpected(what: string): never {
  throw new Error(`not a draft mutation: ${what.slice(0, 40)}`);
}

function uuidArray(values: readonly (string | undefined)[]): string {
  return `{${values.map((v) => (v === undefined ? 'NULL' : UUID_TEXT.test(v) ? v : unexpected('uuid'))).join(',')}}`;
}

/**
 * Runs sync_push_arrays: one answer per mutation, in batch order. The answers come as one JSON
 * text (each answer's text joined in the database), parsed once here.
 */
export async function pushArrays(trx: BranchTransaction, stationId: string, userId: number, mutations: readonly Mutation[]): Promise<Record<string, unknown>[]> {
  const a = pushArrayParams(mutations);
  const r = await sql<{ results: string }>`
    SELECT '[' || array_to_string(sync_push_arrays(${stationId}::uuid, ${userId}::int, ${a.ids}::uuid[], ${a.kinds}::text[], ${a.drafts}::uuid[],
                                                   ${a.patients}::uuid[], ${a.texts}::text[], ${a.bases}::int[])::text[], ',') || ']' AS results`.execute(trx);
  const results = JSON.parse(r.rows[0]!.results) as Record<string, unknown>[];
  // array_to_string leaves out a NULL: an answer missing would shift every later one.
  if (results.length !== mutations.length) throw new Error(`sync_push_arrays answered ${results.length} of ${mutations.length} mutations`);
  return results;
}

/**
 * A text[] in PostgreSQL's binary format (what array_recv reads): pg sends a Buffer parameter
 * as binary, so the database copies each text as it is instead of parsing a literal or JSON
 * (the drafts' texts are most of a push's bytes). The texts are well formed and free of NUL
 * (checked before), as PostgreSQL requires of any text.
 */
export function binaryTextArray(values: readonly (string | null)[]): Buffer {
  // At most 3 UTF-8 bytes per UTF-16 unit: written in one pass, each length filled in after its text.
  let room = 20 + 4 * values.length;
  for (const v of values) if (v !== null) room += 3 * v.length;
  const buf = Buffer.allocUnsafe(room);
  let o = buf.writeInt32BE(values.length === 0 ? 0 : 1, 0); // dimensions
  o = buf.writeInt32BE(values.includes(null) ? 1 : 0, o); // has nulls
  o = buf.writeUInt32BE(TEXT_OID, o);
  if (values.length === 0) return buf.subarray(0, o);
  o = buf.writeInt32BE(values.length, o);
  o = buf.writeInt32BE(1, o); // lower bound
  for (const v of values) {
    if (v === null) {
      o = buf.writeInt32BE(-1, o);
      continue;
    }
    const written = buf.write(v, o + 4, 'utf8');
    buf.writeInt32BE(written, o);
    o += 4 + written;
  }
  return buf.subarray(0, o);
}
const TEXT_OID = 25;

/** jsonb answers carry no undefined; optional fields of the contract must be absent, not null. */
function stripNulls(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null && k !== 'conflictTexts') continue;
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? stripNulls(v as Record<string, unknown>) : v;
  }
  return out;
}
