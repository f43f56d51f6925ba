import { sql, type RawBuilder } from 'kysely';
import { isUuid } from '../../../contract/fhir/reference';
import type { CursorPosition } from '../cursor';
import type { DateValue, ReferenceValue, SearchParam, TokenValue } from '../search';

/*
 * SQL fragments for search parameters. Every comparison on a column is `=`, `<`, `>=` … on
 * text, uuid, date or timestamptz with the value cast on the parameter side only: those
 * operators are leakproof, so under row-level security the planner can still use them as index
 * conditions (a cast of the column or LIKE would force a scan of the branch's rows).
 */

export type Condition = RawBuilder<boolean>;

export const TRUE: Condition = sql<boolean>`TRUE`;
export const FALSE: Condition = sql<boolean>`FALSE`;

export function and(conds: Condition[]): Condition {
  return conds.length === 0 ? TRUE : sql<boolean>`(${sql.join(conds, sql` AND `)})`;
}

export function or(conds: Condition[]): Condition {
  return conds.length === 0 ? FALSE : sql<boolean>`(${sql.join(conds, sql` OR `)})`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoDate(ms: number): string {
  return iso(ms).slice(0, 10);
}

export function dateCondition(column: string, v: DateValue, kind: 'timestamptz' | 'date'): Condition {
  const col = sql.ref(column);
  const [start, end] =
    kind === 'timestamptz'
      ? [sql`${iso(v.span.start)}::timestamptz`, sql`${iso(v.span.end)}::timestamptz`]
      : [sql`${isoDate(v.span.start)}::date`, sql`${isoDate(v.span.end + 86_400_000 - 1)}::date`];
  switch (v.prefix) {
    case 'eq':
      return sql<boolean>`(${col} >= ${start} AND ${col} < ${end})`;
    case 'lt':
      return sql<boolean>`${col} < ${start}`;
    case 'le':
      return sql<boolean>`${col} < ${end}`;
    case 'gt':
      return sql<boolean>`${col} >= ${end}`;
    case 'ge':
      return sql<boolean>`${col} >= ${start}`;
  }
}

export function idCondition(column: string, v: TokenValue): Condition {
  return v.system === undefined && isUuid(v.code) ? sql<boolean>`${sql.ref(column)} = ${v.code.toLowerCase()}::uuid` : FALSE;
}

export function patientCondition(column: string, v: ReferenceValue): Condition {
  return v.type === 'Patient' && isUuid(v.id) ? sql<boolean>`${sql.ref(column)} = ${v.id.toLowerCase()}::uuid` : FALSE;
}

/** A code column compared with a token whose system must be `system` (or absent). */
export function codeCondition(column: string, v: TokenValue, system: string | null): Condition {
  if (v.system !== undefined && v.system !== (system ?? '')) return FALSE;
  return sql<boolean>`${sql.ref(column)} = ${v.code}`;
}

/** Conditions common to every type: _id and _lastUpdated; null for the type's own parameters. */
export function commonCondition(p: SearchParam): Condition | null {
  if (p.name === '_id' && p.type === 'token') return or(p.values.map((v) => idCondition('id', v)));
  if (p.name === '_lastUpdated' && p.type === 'date') return or(p.values.map((v) => dateCondition('updated_at', v, 'timestamptz')));
  return null;
}

/** The sort key as exact text (microseconds), so keyset paging neither skips nor repeats rows. */
export function sortKey(column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** Rows after the cursor in (column DESC, id DESC) order: a row comparison the index serves. */
export function afterCondition(column: string, after: CursorPosition | null): Condition {
  if (!after) return TRUE;
  if (!isUuid(after.id) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(after.key)) return FALSE;
  return sql<boolean>`(${sql.ref(column)}, id) < (${after.key}::timestamptz, ${after.id}::uuid)`;
}

export function isoOrNull(d: Date | null): string | undefined {
  return d ? d.toISOString() : undefined;
}

/** The Postgres error code of a unique violation, for 409 answers. */
export function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string })?.code === '23505';
}

/**
 * The search condition of a resource that hangs off a patient and a time (Observation, orders,
 * allergies): the common parameters, `patient`/`subject` on patient_id, a date on `timeColumn`,
 * and each token value through `token`, which answers null for a parameter it does not know.
 */
export function patientTimeCondition(timeColumn: string, token: (name: string, v: TokenValue) => Condition | null): (p: SearchParam) => Condition {
  return (p) => {
    const common = commonCondition(p);
    if (common) return common;
    switch (p.type) {
      case 'reference':
        return or(p.values.map((v) => patientCondition('patient_id', v)));
      case 'date':
        return or(p.values.map((v) => dateCondition(timeColumn, v, 'timestamptz')));
      case 'token':
        return or(p.values.map((v) => token(p.name, v) ?? FALSE));
      default:
        return FALSE;
    }
  };
}
