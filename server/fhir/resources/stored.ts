import { currentBranchId } from '../../db/with-branch';
import { sql, type RawBuilder } from 'kysely';
import type { CodeableConcept, Identifier, Resource } from '../../../contract/fhir/types';
import type { TokenValue } from '../search';
import type { StoreContext } from './store';

/*
 * The resource as a partner sent it. Every version of a resource accepted through FHIR is kept
 * whole in fhir_resources (as received, plus id and meta); the clinical tables hold the
 * projections the station and the search read, and a row's `version` names its stored resource.
 * Both are written by the same statement sequence of the caller's transaction, so they cannot
 * disagree after a commit. fhir_tokens indexes every identifier and code of the current version.
 */

export interface Token {
  param: 'identifier' | 'code' | 'category' | 'component-code';
  system: string;
  value: string;
}

/** Longer values are kept in the resource but not indexed (no search value is that long). */
const MAX_TOKEN = 512;

/** The resource as stored: as received, with the server's id and meta (other meta elements kept). */
export function withMeta(res: Resource, id: string, version: number, lastUpdated: Date): Resource {
  const { resourceType, id: _sent, meta, ...rest } = res;
  void _sent;
  return { resourceType, id, meta: { ...(meta ?? {}), versionId: String(version), lastUpdated: lastUpdated.toISOString() }, ...rest };
}

function codingTokens(param: Token['param'], concepts: unknown): Token[] {
  const list = Array.isArray(concepts) ? concepts : concepts ? [concepts] : [];
  return (list as CodeableConcept[]).flatMap((cc) => (cc?.coding ?? []).filter((c) => typeof c.code === 'string').map((c) => ({ param, system: c.system ?? '', value: c.code! })));
}

/** Every identifier and code of a resource that its search parameters match on. */
export function tokensOf(res: Resource): Token[] {
  const tokens: Token[] = ((res.identifier as Identifier[] | undefined) ?? [])
    .filter((i) => typeof i.value === 'string')
    .map((i) => ({ param: 'identifier' as const, system: i.system ?? '', value: i.value! }));
  tokens.push(...codingTokens('code', res.code ?? res.medicationCodeableConcept));
  if (res.resourceType !== 'AllergyIntolerance') tokens.push(...codingTokens('category', res.category));
  for (const comp of (res.component as { code?: CodeableConcept }[] | undefined) ?? []) tokens.push(...codingTokens('component-code', comp.code));
  const seen = new Set<string>();
  return tokens.filter((t) => {
    const k = `${t.param}\u0000${t.system}\u0000${t.value}`;
    if (seen.has(k) || t.value.length > MAX_TOKEN || t.system.length > MAX_TOKEN) return false;
    seen.add(k);
    return true;
  });
}

const BRANCH = currentBranchId();

/** Stores a new version of `stored` (which carries its id and meta) and re-indexes its tokens. */
export async function saveVersion(c: StoreContext, stored: Resource): Promise<void> {
  const id = stored.id!;
  await c.trx
    .insertInto('fhir_resources')
    .values({
      branch_id: BRANCH,
      resource_type: stored.resourceType,
      id,
      version: Number(stored.meta!.versionId),
      last_updated: stored.meta!.lastUpdated!,
      resource: JSON.stringify(stored),
    })
    .execute();
  await c.trx.deleteFrom('fhir_tokens').where('resource_type', '=', stored.resourceType).where('resource_id', '=', id).execute();
  const tokens = tokensOf(stored);
  if (tokens.length > 0) {
    await c.trx
      .insertInto('fhir_tokens')
      .values(tokens.map((t) => ({ branch_id: BRANCH, resource_type: stored.resourceType, param: t.param, system: t.system, value: t.value, resource_id: id })))
      .execute();
  }
}

/** The stored resource of a projection row at the row's own version (null for rows never sent through FHIR). */
export function storedAtRowVersion(type: string, alias: string): RawBuilder<Resource | null> {
  return sql<Resource | null>`(SELECT f.resource FROM fhir_resources f WHERE f.branch_id = ${sql.ref(`${alias}.branch_id`)} AND f.resource_type = ${type} AND f.id = ${sql.ref(`${alias}.id`)} AND f.version = ${sql.ref(`${alias}.version`)})`;
}

/** `id IN (…)` over the token index: a resource any of whose identifiers or codings match. */
export function tokenCondition(type: string, param: Token['param'], v: TokenValue, idColumn = 'id'): RawBuilder<boolean> {
  const system = v.system === undefined ? sql`` : sql` AND system = ${v.system}`;
  return sql<boolean>`${sql.ref(idColumn)} IN (SELECT resource_id FROM fhir_tokens WHERE resource_type = ${type} AND param = ${param} AND value = ${v.code}${system})`;
}

export interface StoredVersion {
  version: number;
  resource: Resource;
}

/** Every stored version of a resource, newest first. */
export async function storedVersions(c: StoreContext, type: string, id: string): Promise<StoredVersion[]> {
  const rows = await c.trx
    .selectFrom('fhir_resources')
    .select(['version', 'resource'])
    .where('resource_type', '=', type)
    .where('id', '=', id)
    .orderBy('version', 'desc')
    .limit(1000)
    .execute();
  return rows.map((r) => ({ version: r.version, resource: r.resource as Resource }));
}
