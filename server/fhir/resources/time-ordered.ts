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
  // The table is chosen at run time, so Kysely cannot type the row: it is the declared columns.
  const from = (c: StoreContext) => c.trx.selectFrom(c.trx.dynamic.table(spec.table).as('t'));
  const columns = (c: StoreContext) => spec.columns.map((col) => c.trx.dynamic.ref(col));
  const time = sql.ref(spec.timeColumn);
  // The resource as sent when there is one for the row's version; else built from the columns.
  const stored = storedAtRowVersion(spec.type, 't').as('stored');
  const toFhir = (c: StoreContext, row: R & { stored: Resource | null }) => row.stored ?? spec.toFhir(c, row);
  return {
    async read(c, id) {
      if (!isUuid(id)) return null;
      const row = await from(c).select([...columns(c), stored]).where(sql<boolean>`id = ${id}`).executeTakeFirst();
      return row ? toFhir(c, row as unknown as R & { stored: Resource | null }) : null;
    },
    async search(c, req, after) {
      const rows = (await from(c)
        .select([...columns(c), stored, sortKey(spec.timeColumn).as('sort_key')])
        .where(and([...req.params.map(spec.condition), afterCondition(spec.timeColumn, after)]))
        .orderBy(time, 'desc')
        .orderBy(sql.ref('id'), 'desc')
        .limit(req.count + 1)
        .execute()) as unknown as (R & { sort_key: string; stored: Resource | null })[];
      const page = rows.slice(0, req.count);
      const last = page[page.length - 1];
      return { resources: page.map((r) => toFhir(c, r)), next: rows.length > req.count && last ? { key: last.sort_key, id: last.id } : null };
    },
    async count(c, req) {
      const r = await from(c).select((eb) => eb.fn.countAll<string>().as('n')).where(and(req.params.map(spec.condition))).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
