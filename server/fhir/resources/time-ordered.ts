import { sql } from 'kysely';
import { isUuid } from '../../../contract/fhir/reference';
import type { Resource } from '../../../contract/fhir/types';
import type { SearchParam } from '../search';
import { afterCondition, and, sortKey, type Condition } from './sql';
import type { ResourceStore, StoreContext } from './store';
import { storedAtRowVersion } from './stored';

/*
 * Read, search and count over one clinical table whose rows page newest first by a time column
 * (id as the tie-break, the cursor following both): what Observation, MedicationRequest and
 * ServiceRequest share. Each module keeps its own columns, search conditions and mapping.
 */

export interface TimeOrderedSpec<R> {
  type: 'Observation' | 'MedicationRequest' | 'ServiceRequest' | 'AllergyIntolerance';
  table: 'observations' | 'medication_requests' | 'service_requests' | 'allergy_intolerances';
  /** The columns `toFhir` reads; `R` is their row type. */
  columns: readonly string[];
  timeColumn: 'effective_at' | 'authored_at' | 'recorded_at';
  condition(p: SearchParam): Condition;
  /** The resource from the columns, for rows that were never sent through FHIR (seeded, station-made). */
  toFhir(c: StoreContext, row: R): Resource;
}

export function timeOrderedQueries<R extends { id: string }>(spec: TimeOrderedSpec<R>): Pick<ResourceStore, 'read' | 'search' | 'count'> {
  // The table is chosen at run time, so Kysely cannot type the row: it is the declared columns,
  // selected as one fragment built once (identifiers of this module, not input). Reads and
  // searches are plain statements, not a query builder's tree of two dozen column references
  // built and compiled at every request.
  const table = sql.table(spec.table);
  const selectList = sql.raw(spec.columns.map((col) => `"${col}"`).join(', '));
  const time = sql.ref(spec.timeColumn);
  // The resource as sent when there is one for the row's version; else built from the columns.
  const stored = storedAtRowVersion(spec.type, 't');
  type Row = R & { stored: Resource | null };
  const toFhir = (c: StoreContext, row: Row) => row.stored ?? spec.toFhir(c, row);
  return {
    async read(c, id) {
      if (!isUuid(id)) return null;
      const { rows } = await sql<Row>`SELECT ${selectList}, ${stored} AS stored FROM ${table} AS t WHERE id = ${id}`.execute(c.trx);
      return rows[0] ? toFhir(c, rows[0]) : null;
    },
    async search(c, req, after) {
      const where = and([...req.params.map(spec.condition), afterCondition(spec.timeColumn, after)]);
      const { rows } = await sql<Row & { sort_key: string }>`
        SELECT ${selectList}, ${stored} AS stored, ${sortKey(spec.timeColumn)} AS sort_key FROM ${table} AS t
         WHERE ${where} ORDER BY ${time} DESC, id DESC LIMIT ${req.count + 1}`.execute(c.trx);
      const page = rows.slice(0, req.count);
      const last = page[page.length - 1];
      return { resources: page.map((r) => toFhir(c, r)), next: rows.length > req.count && last ? { key: last.sort_key, id: last.id } : null };
    },
    async count(c, req) {
      const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM ${table} AS t WHERE ${and(req.params.map(spec.condition))}`.execute(c.trx);
      return Number(rows[0]!.n);
    },
  };
}
