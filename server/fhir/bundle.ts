import type { Bundle, BundleEntry, Resource } from '../../contract/fhir/types';
import { FhirError, normaliseError } from './errors';
import { create, read, search, update, type Outcome, type Unit } from './interactions';

/*
 * Batch and transaction Bundles. A transaction runs in ONE branch-bound database transaction:
 * the first failing entry aborts it and nothing is written. A batch runs each entry in its own
 * unit of work and reports each outcome. Entries are processed as FHIR orders them (POST, PUT,
 * GET), and within a transaction a reference to an entry's fullUrl (urn:uuid:…) is rewritten to
 * the id the server assigned.
 */

export const MAX_ENTRIES = 100;
const ORDER: Record<string, number> = { POST: 0, PUT: 1, GET: 2 };
const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created' };

export interface BundleRequest {
  method: string;
  type: string;
  id: string | null;
  query: URLSearchParams | null;
  entry: BundleEntry;
}

export function checkBundle(body: Resource): { kind: 'batch' | 'transaction'; requests: BundleRequest[] } {
  const bundle = body as Bundle;
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') throw new FhirError(400, 'invalid', 'only batch and transaction Bundles can be posted');
  const entries = bundle.entry ?? [];
  if (entries.length > MAX_ENTRIES) throw new FhirError(413, 'too-costly', `at most ${MAX_ENTRIES} entries per Bundle`);
  const requests = entries.map((entry) => {
    const method = entry.request?.method ?? '';
    const url = entry.request?.url ?? '';
    const [path = '', qs] = url.split('?', 2);
    const parts = path.replace(/^\/+|\/+$/g, '').split('/');
    if (!(method in ORDER)) throw new FhirError(405, 'not-supported', 'Bundle entries support POST, PUT and GET only');
    if (parts.length > 2 || !parts[0]) throw new FhirError(400, 'invalid', 'Bundle entry request.url is not supported');
    return { method, type: parts[0], id: parts[1] ?? null, query: qs !== undefined ? new URLSearchParams(qs) : null, entry };
  });
  return { kind: bundle.type, requests };
}

/** Rewrites references to fullUrls of entries created earlier in this transaction. */
function resolveReferences(value: unknown, created: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, created));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === 'reference' && typeof v === 'string' && created.has(v) ? created.get(v) : resolveReferences(v, created);
    }
    return out;
  }
  return value;
}

export async function runEntry(u: Unit, r: BundleRequest, created: Map<string, string>): Promise<Outcome> {
  const ifNoneExist = r.entry.request?.ifNoneExist ?? null;
  const ifMatch = r.entry.request?.ifMatch ?? null;
  switch (r.method) {
    case 'POST': {
      if (r.id !== null || r.query !== null) throw new FhirError(400, 'invalid', 'a POST entry must name a resource type only');
      const o = await create(u, r.type, resolveReferences(r.entry.resource, created), ifNoneExist);
      if (r.entry.fullUrl && o.resource.id) created.set(r.entry.fullUrl, `${o.resource.resourceType}/${o.resource.id}`);
      return o;
    }
    case 'PUT':
      if (r.id === null) throw new FhirError(400, 'invalid', 'a PUT entry must name a resource id');
      return update(u, r.type, r.id, resolveReferences(r.entry.resource, created), ifMatch);
    default:
      return r.id !== null ? read(u, r.type, r.id) : search(u, r.type, r.query ?? new URLSearchParams());
  }
}

export function processingOrder(requests: BundleRequest[]): number[] {
  return requests.map((_, i) => i).sort((a, b) => ORDER[requests[a]!.method]! - ORDER[requests[b]!.method]! || a - b);
}

export function responseEntry(o: Outcome): BundleEntry {
  const response: NonNullable<BundleEntry['response']> = { status: `${o.status} ${STATUS_TEXT[o.status] ?? ''}`.trim() };
  if (o.headers.location) response.location = o.headers.location;
  if (o.headers.etag) response.etag = o.headers.etag;
  if (o.resource.meta?.lastUpdated) response.lastModified = o.resource.meta.lastUpdated;
  return { resource: o.resource, response };
}

export function errorEntry(e: unknown): BundleEntry {
  const n = normaliseError(e);
  return { response: { status: String(n.status), outcome: n.body } };
}
