import { sql } from 'kysely';
import { isUuid } from '../../contract/fhir/reference';
import { isSupportedType, type Bundle, type BundleEntry, type Resource, type SupportedType } from '../../contract/fhir/types';
import { recordAudit, recordReadAudit } from '../audit/record';
import type { BranchTransaction } from '../db/with-branch';
import { allows, type Access, type Caller } from './caller';
import type { FhirConfig } from './config';
import { decodeCursor, encodeCursor } from './cursor';
import { badRequest, FhirError, notFound } from './errors';
import { allergyIntoleranceStore } from './resources/allergy-intolerance';
import { documentReferenceStore } from './resources/document-reference';
import { medicationRequestStore } from './resources/medication-request';
import { observationStore } from './resources/observation';
import { patientStore } from './resources/patient';
import { serviceRequestStore } from './resources/service-request';
import type { ResourceStore, StoreContext } from './resources/store';
import { parseSearch, type SearchRequest } from './search';
import { assertValidInput, assertValidOutput } from './validate';

/*
 * The FHIR interactions (read, search, create, update), each inside the caller's branch-bound
 * transaction and each audited. They know no HTTP and no SQL: the resource modules do the SQL,
 * the route table and the fastify adapter do the HTTP.
 */

const STORES: Record<SupportedType, ResourceStore> = {
  Patient: patientStore,
  Observation: observationStore,
  MedicationRequest: medicationRequestStore,
  ServiceRequest: serviceRequestStore,
  AllergyIntolerance: allergyIntoleranceStore,
  DocumentReference: documentReferenceStore,
};

export interface Unit {
  trx: BranchTransaction;
  caller: Caller;
  config: FhirConfig;
  cursorSecret: Buffer;
  baseUrl: string;
}

export interface Outcome {
  status: number;
  resource: Resource;
  headers: Record<string, string>;
}

export function storeFor(type: string): ResourceStore {
  if (!isSupportedType(type)) throw new FhirError(404, 'not-supported', 'resource type not supported');
  return STORES[type];
}

export function requireScope(caller: Caller, access: Access, type: string): void {
  if (!allows(caller, access, type)) throw new FhirError(403, 'forbidden', `this credential lacks ${access}:${isSupportedType(type) ? type : '(type)'}`);
}

function storeContext(u: Unit): StoreContext {
  return { trx: u.trx, config: u.config, branchCode: u.caller.branchCode, identifierSystems: u.caller.identifierSystems };
}

/**
 * Every resource leaves through here. What a write produced is always checked against the
 * schema; what a read returns only when configured (tests do): stored resources were checked
 * when written, and a page of them costs more to check than to find.
 */
function out(u: Unit, r: Resource, written = false): Resource {
  if (written || u.config.validateOutput) assertValidOutput(r);
  return r;
}

export function versionHeaders(u: Unit, r: Resource): Record<string, string> {
  const h: Record<string, string> = {};
  if (r.meta?.versionId) h.etag = `W/"${r.meta.versionId}"`;
  if (r.meta?.lastUpdated) h['last-modified'] = new Date(r.meta.lastUpdated).toUTCString();
  if (r.id) h.location = `${u.baseUrl}/${r.resourceType}/${r.id}/_history/${r.meta?.versionId ?? '1'}`;
  return h;
}

export async function read(u: Unit, type: string, id: string): Promise<Outcome> {
  const store = storeFor(type);
  requireScope(u.caller, 'read', type);
  const found = isUuid(id) ? await store.read(storeContext(u), id.toLowerCase()) : null;
  // A missing id and another branch's id get the same answer.
  if (!found) throw notFound();
  recordReadAudit(u.trx, u.caller.actor, { action: 'fhir.read', entityType: type, entityId: found.id!, ...patientOf(store, found) });
  const h = versionHeaders(u, found);
  delete h.location;
  return { status: 200, resource: out(u, found), headers: h };
}

function patientOf(store: ResourceStore, r: Resource): { patientId?: string } {
  const p = store.patientIds(r)[0];
  return p && isUuid(p) ? { patientId: p } : {};
}

export async function search(u: Unit, type: string, query: URLSearchParams): Promise<Outcome> {
  const store = storeFor(type);
  requireScope(u.caller, 'read', type);
  const req = parseSearch(type as SupportedType, query);
  const scope = { branchId: u.caller.branchId, type, canonical: req.canonical };
  const after = req.cursor !== null ? decodeCursor(u.cursorSecret, scope, req.cursor) : null;
  const selfUrl = `${u.baseUrl}/${type}?${withParam(req.canonical, '_cursor', req.cursor)}`;
  const c = storeContext(u);
  if (req.summaryCount || req.count === 0) {
    const total = await store.count(c, req);
    recordReadAudit(u.trx, u.caller.actor, { action: 'fhir.search', entityType: type, detail: { count: total, summary: 'count' } });
    return { status: 200, resource: out(u, { resourceType: 'Bundle', type: 'searchset', total, link: [{ relation: 'self', url: selfUrl }] } as Bundle), headers: {} };
  }
  const page = await store.search(c, req, after);
  const entry: BundleEntry[] = page.resources.map((r) => ({ fullUrl: `${u.baseUrl}/${type}/${r.id}`, resource: out(u, r), search: { mode: 'match' } }));
  if (req.include) entry.push(...(await includedPatients(u, c, store, page.resources)));
  const link = [{ relation: 'self', url: selfUrl }];
  if (page.next) link.push({ relation: 'next', url: `${u.baseUrl}/${type}?${withParam(req.canonical, '_cursor', encodeCursor(u.cursorSecret, scope, page.next))}` });
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', link, entry };
  // The total is cheap only when this one page holds every match.
  if (!after && !page.next) bundle.total = page.resources.length;
  recordReadAudit(u.trx, u.caller.actor, {
    action: 'fhir.search',
    entityType: type,
    detail: { count: page.resources.length, ids: page.resources.map((r) => r.id!), included: entry.length - page.resources.length },
  });
  return { status: 200, resource: bundle, headers: {} };
}

async function includedPatients(u: Unit, c: StoreContext, store: ResourceStore, found: Resource[]): Promise<BundleEntry[]> {
  requireScope(u.caller, 'read', 'Patient');
  const ids = [...new Set(found.flatMap((r) => store.patientIds(r)))];
  const patients = await patientStore.readMany(c, ids);
  return patients.map((p) => ({ fullUrl: `${u.baseUrl}/Patient/${p.id}`, resource: out(u, p), search: { mode: 'include' } }));
}

function withParam(canonical: string, name: string, value: string | null): string {
  if (value === null) return canonical;
  const p = new URLSearchParams(canonical);
  p.append(name, value);
  return p.toString();
}

function checkBody(type: string, body: unknown): Resource {
  assertValidInput(body);
  if (body.resourceType !== type) throw badRequest('resourceType does not match the URL');
  return body;
}

/**
 * Create, or with If-None-Exist a conditional create: a lab that resends a result gets the one
 * already stored (200) instead of a second copy. The search runs under RLS like any other, so
 * another branch's record never matches; an advisory lock on (branch, type, query) makes two
 * concurrent identical creates create once.
 */
export async function create(u: Unit, type: string, body: unknown, ifNoneExist: string | null): Promise<Outcome> {
  const store = storeFor(type);
  requireScope(u.caller, 'write', type);
  const resource = checkBody(type, body);
  const c = storeContext(u);
  if (ifNoneExist !== null) {
    const query = new URLSearchParams(ifNoneExist.startsWith('?') ? ifNoneExist.slice(1) : ifNoneExist.replace(/^[A-Za-z]+\?/, ''));
    const req: SearchRequest = { ...parseSearch(type as SupportedType, query), count: 2, include: false, summaryCount: false, cursor: null };
    if (req.params.length === 0) throw badRequest('If-None-Exist needs at least one search parameter');
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`fhir:${u.caller.branchId}:${type}:${req.canonical}`}, 0))`.execute(u.trx);
    const existing = await store.search(c, req, null);
    if (existing.resources.length > 1) throw new FhirError(412, 'multiple-matches', 'If-None-Exist matches more than one resource');
    const match = existing.resources[0];
    if (match) {
      await recordAudit(u.trx, u.caller.actor, { action: 'fhir.create_matched', entityType: type, entityId: match.id!, ...patientOf(store, match) });
      return { status: 200, resource: out(u, match, true), headers: versionHeaders(u, match) };
    }
  }
  const created = await store.create(c, resource);
  await recordAudit(u.trx, u.caller.actor, { action: 'fhir.create', entityType: type, entityId: created.id!, ...patientOf(store, created) });
  return { status: 201, resource: out(u, created, true), headers: versionHeaders(u, created) };
}

/** Parses If-Match: W/"3" or "3". */
export function expectedVersion(ifMatch: string | null): number | null {
  if (ifMatch === null) return null;
  const m = /^(?:W\/)?"(\d{1,9})"$/.exec(ifMatch.trim());
  if (!m) throw new FhirError(412, 'conflict', 'If-Match must be an ETag such as W/"1"');
  return Number(m[1]);
}

export async function update(u: Unit, type: string, id: string, body: unknown, ifMatch: string | null): Promise<Outcome> {
  const store = storeFor(type);
  if (!store.update) throw new FhirError(405, 'not-supported', `update is not supported for ${type}`);
  requireScope(u.caller, 'write', type);
  const resource = checkBody(type, body);
  if (resource.id !== id) throw badRequest('the resource id must match the URL');
  const version = expectedVersion(ifMatch);
  const updated = await store.update(storeContext(u), id.toLowerCase(), resource, version);
  await recordAudit(u.trx, u.caller.actor, { action: 'fhir.update', entityType: type, entityId: updated.id!, ...patientOf(store, updated) });
  return { status: 200, resource: out(u, updated, true), headers: versionHeaders(u, updated) };
}
