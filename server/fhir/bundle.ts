import { isSupportedType, type Bundle, type BundleEntry, type Resource } from '../../contract/fhir/types';
import { FhirError, normaliseError } from './errors';
import { create, read, search, update, type Outcome, type Unit } from './interactions';

/*
 * Batch and transaction Bundles. A transaction runs in ONE branch-bound database transaction:
 * the first failing entry aborts it and nothing is written. A batch runs each entry in its own
 * unit of work and reports each outcome. Entries are processed as FHIR orders them (POST, PUT,
 * GET; Patients first among the creates, so results can name them), and a reference to an entry's
 * fullUrl (urn:uuid:…) is rewritten to the id the server assigned. A failure names the entry by its
 * index in the Bundle as sent, and the element (Bundle.entry[i].resource.subject).
 */

const ORDER: Record<string, number> = { POST: 0, PUT: 1, GET: 2 };
const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created' };

export interface BundleRequest {
  method: string;
  type: string;
  id: string | null;
  query: URLSearchParams | null;
  entry: BundleEntry;
}

/** An error of entry `i`, naming it and its element; keeps the status of the underlying error (ours stay as they are). */
export function entryError(i: number, e: unknown, method = '', type = ''): unknown {
  const n = normaliseError(e);
  if (n.internal) return e;
  const issue = n.body.issue[0]!;
  const expression = (issue.expression ?? []).map((x) => x.replace(/^[A-Z][A-Za-z]*(?=\.|$)/, `Bundle.entry[${i}].resource`));
  const what = [method, type].filter(Boolean).join(' ');
  return new FhirError(n.status, issue.code, `Bundle.entry[${i}]${what ? ` (${what})` : ''}: ${issue.diagnostics ?? 'failed'}`, n.headers, expression.length > 0 ? expression : [`Bundle.entry[${i}]`]);
}

export function checkBundle(body: Resource, maxEntries: number): { kind: 'batch' | 'transaction'; requests: BundleRequest[] } {
  const bundle = body as Bundle;
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') throw new FhirError(400, 'invalid', 'only batch and transaction Bundles can be posted', {}, ['Bundle.type']);
  const entries = bundle.entry ?? [];
  if (entries.length > maxEntries) throw new FhirError(413, 'too-costly', `at most ${maxEntries} entries per Bundle (this one has ${entries.length}); send it in parts`, {}, ['Bundle.entry']);
  const requests = entries.map((entry, i) => {
    const method = entry.request?.method ?? '';
    const url = entry.request?.url ?? '';
    const [path = '', qs] = url.split('?', 2);
    const parts = path.replace(/^\/+|\/+$/g, '').split('/');
    if (!(method in ORDER)) throw new FhirError(405, 'not-supported', `Bundle.entry[${i}]: Bundle entries support POST, PUT and GET only`, {}, [`Bundle.entry[${i}].request.method`]);
    if (parts.length > 2 || !parts[0]) throw new FhirError(400, 'invalid', `Bundle.entry[${i}]: request.url is not supported`, {}, [`Bundle.entry[${i}].request.url`]);
    // A transaction is all or nothing: a type this server does not serve fails it before anything is written.
    if (bundle.type === 'transaction' && !isSupportedType(parts[0])) {
      throw new FhirError(400, 'not-supported', `Bundle.entry[${i}]: this server does not serve ${/^[A-Z][A-Za-z]{0,63}$/.test(parts[0]) ? parts[0] : 'that type'}; take such entries out of the transaction or send a batch`, {}, [`Bundle.entry[${i}].request.url`]);
    }
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
  const rank = (r: BundleRequest) => ORDER[r.method]! * 2 + (r.method === 'POST' && r.type === 'Patient' ? 0 : 1);
  return requests.map((_, i) => i).sort((a, b) => rank(requests[a]!) - rank(requests[b]!) || a - b);
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
