import type { Bundle, Resource } from '../../contract/fhir/types';
import type { AuthPolicy } from '../auth/policy';
import type { SystemDb } from '../db/system-db';
import { withBranchRead } from '../db/read-replica';
import { withBranch } from '../db/with-branch';
import type { Logger } from '../log';
import { checkBundle, entryError, errorEntry, processingOrder, responseEntry, runEntry } from './bundle';
import { findCaller, type Caller } from './caller';
import { capabilityStatement } from './capability';
import type { FhirConfig } from './config';
import { FhirError, normaliseError } from './errors';
import { create, history, read, readSubset, search, update, vread, type Outcome, type Unit } from './interactions';
import { operationOutcome } from '../../contract/fhir/outcome';
import { assertValidInput } from './validate';

/*
 * The FHIR API as a route table of plain handlers: no fastify, no SQL. The HTTP adapter
 * (server/http/routes/fhir.ts) turns a request into a FhirRequest and sends the FhirResponse;
 * every error, thrown anywhere below, becomes an OperationOutcome in normaliseError.
 */

export interface FhirRequest {
  method: string;
  /** The path below the FHIR base, e.g. '/Patient/123'. */
  path: string;
  query: URLSearchParams;
  body: unknown;
  token: string | null;
  ifNoneExist: string | null;
  ifMatch: string | null;
  /** The Prefer header (return=minimal|representation|OperationOutcome). */
  prefer: string | null;
  /** Absolute base for links, e.g. 'https://host/fhir'. */
  baseUrl: string;
}

export interface FhirResponse {
  status: number;
  /** null: no body (Prefer: return=minimal). */
  body: Resource | null;
  headers: Record<string, string>;
}

export interface FhirDeps {
  db: SystemDb;
  /** A streaming replica (DATABASE_READ_URL) for searches, reads, vreads and histories. */
  readDb?: SystemDb;
  policy: AuthPolicy;
  config: FhirConfig;
  cursorSecret: () => Promise<Buffer>;
  log: Logger;
  /** The caller behind a token; findCaller unless a cache is given (cachedCallers). */
  findCaller?: typeof findCaller;
}

type Handler = (deps: FhirDeps, caller: Caller, req: FhirRequest, params: string[]) => Promise<Outcome>;

interface Route {
  method: string;
  path: RegExp;
  public?: boolean;
  run: Handler;
}

const TYPE = '([A-Z][A-Za-z]{0,63})';
const ID = '([A-Za-z0-9\\-.]{1,64})';

/** One unit of work in the caller's branch. */
async function inBranch<T>(deps: FhirDeps, caller: Caller, req: FhirRequest, fn: (u: Unit) => Promise<T>): Promise<T> {
  const cursorSecret = await deps.cursorSecret();
  return withBranch(deps.db, caller.branchId, caller.actor, (trx) => fn({ trx, caller, config: deps.config, cursorSecret, baseUrl: req.baseUrl }));
}

/**
 * A unit of work that only reads: on the replica when there is one, its audit row written on the
 * primary before the answer (withBranchRead). `byId`: a resource the replica does not have yet
 * (created a moment ago, not yet replayed) is looked for on the primary before answering 404;
 * a search answers from the replica's snapshot, which may trail the primary by the replay lag.
 */
async function inBranchRead<T>(deps: FhirDeps, caller: Caller, req: FhirRequest, fn: (u: Unit) => Promise<T>, byId = false): Promise<T> {
  const cursorSecret = await deps.cursorSecret();
  const unit = (trx: Unit['trx']) => fn({ trx, caller, config: deps.config, cursorSecret, baseUrl: req.baseUrl });
  const dbs = { db: deps.db, readDb: deps.readDb };
  if (!byId || !deps.readDb) return withBranchRead(dbs, caller.branchId, caller.actor, unit);
  try {
    return await withBranchRead(dbs, caller.branchId, caller.actor, unit);
  } catch (e) {
    if (!(e instanceof FhirError) || (e.status !== 404 && e.status !== 410)) throw e;
    return withBranch(deps.db, caller.branchId, caller.actor, unit);
  }
}

const capabilities: Handler = async (d) => ({ status: 200, resource: capabilityStatement(d.config), headers: {} });

/** POST [type]/_search: the form body's parameters join the URL's. */
function searchParams(r: FhirRequest): URLSearchParams {
  const q = new URLSearchParams(r.query);
  if (r.body !== undefined) {
    if (typeof r.body !== 'string') throw new FhirError(415, 'not-supported', 'POST [type]/_search takes application/x-www-form-urlencoded');
    for (const [k, v] of new URLSearchParams(r.body)) q.append(k, v);
  }
  return q;
}

/** Prefer: return=minimal answers no body; return=OperationOutcome an outcome instead of the resource. */
function preferred(r: FhirRequest, o: Outcome): Outcome & { minimal?: true } {
  const want = /return\s*=\s*(minimal|representation|OperationOutcome)/i.exec(r.prefer ?? '')?.[1]?.toLowerCase();
  if (o.resource.resourceType === 'OperationOutcome' || !want || want === 'representation') return o;
  if (want === 'minimal') return { ...o, minimal: true };
  const what = o.status === 201 ? 'created' : 'stored';
  return { ...o, resource: operationOutcome('informational', `${o.resource.resourceType}/${o.resource.id ?? ''} ${what}`, 'information') };
}

const ROUTES: Route[] = [
  { method: 'GET', path: /^\/metadata$/, public: true, run: capabilities },
  { method: 'POST', path: /^\/?$/, run: postBundle },
  { method: 'GET', path: new RegExp(`^/${TYPE}$`), run: (d, c, r, [type]) => inBranchRead(d, c, r, (u) => search(u, type!, r.query)) },
  { method: 'POST', path: new RegExp(`^/${TYPE}/_search$`), run: (d, c, r, [type]) => inBranchRead(d, c, r, (u) => search(u, type!, searchParams(r))) },
  { method: 'POST', path: new RegExp(`^/${TYPE}$`), run: (d, c, r, [type]) => inBranch(d, c, r, async (u) => preferred(r, await create(u, type!, r.body, r.ifNoneExist))) },
  { method: 'GET', path: new RegExp(`^/${TYPE}/${ID}$`), run: (d, c, r, [type, id]) => inBranchRead(d, c, r, (u) => read(u, type!, id!, readSubset(r.query)), true) },
  { method: 'PUT', path: new RegExp(`^/${TYPE}/${ID}$`), run: (d, c, r, [type, id]) => inBranch(d, c, r, async (u) => preferred(r, await update(u, type!, id!, r.body, r.ifMatch))) },
  { method: 'GET', path: new RegExp(`^/${TYPE}/${ID}/_history$`), run: (d, c, r, [type, id]) => inBranchRead(d, c, r, (u) => history(u, type!, id!), true) },
  { method: 'GET', path: new RegExp(`^/${TYPE}/${ID}/_history/([0-9]{1,9})$`), run: (d, c, r, [type, id, vid]) => inBranchRead(d, c, r, (u) => vread(u, type!, id!, vid!), true) },
];

async function postBundle(deps: FhirDeps, caller: Caller, req: FhirRequest): Promise<Outcome> {
  assertValidInput(req.body);
  if (req.body.resourceType !== 'Bundle') throw new FhirError(400, 'invalid', 'POST to the base expects a Bundle');
  const { kind, requests } = checkBundle(req.body, deps.config.maxBundleEntries);
  const order = processingOrder(requests);
  const entries: Bundle['entry'] = new Array(requests.length);
  if (kind === 'transaction') {
    // One unit of work: any failing entry throws, withBranch rolls back, nothing is written.
    await inBranch(deps, caller, req, async (u) => {
      const created = new Map<string, string>();
      for (const i of order) {
        const r = requests[i]!;
        try {
          entries[i] = responseEntry(await runEntry(u, r, created));
        } catch (e) {
          throw entryError(i, e, r.method, r.type);
        }
      }
    });
  } else {
    for (const i of order) {
      try {
        entries[i] = responseEntry(await inBranch(deps, caller, req, (u) => runEntry(u, requests[i]!, new Map())));
      } catch (e) {
        entries[i] = errorEntry(entryError(i, e, requests[i]!.method, requests[i]!.type));
      }
    }
  }
  const bundle: Bundle = { resourceType: 'Bundle', type: kind === 'transaction' ? 'transaction-response' : 'batch-response', entry: entries };
  return { status: 200, resource: bundle, headers: {} };
}

function unauthorized(): FhirError {
  return new FhirError(401, 'login', 'a valid bearer token is required', { 'www-authenticate': 'Bearer' });
}

async function dispatch(deps: FhirDeps, req: FhirRequest): Promise<Outcome> {
  // OPTIONS answers the CapabilityStatement (CORS preflights are answered by the HTTP adapter).
  if (req.method === 'OPTIONS') return capabilities(deps, null as unknown as Caller, req, []);
  const path = req.path === '' ? '/' : req.path;
  const matching = ROUTES.filter((r) => r.path.test(path));
  const route = matching.find((r) => r.method === req.method);
  if (!route) {
    if (matching.length > 0) {
      throw new FhirError(405, 'not-supported', 'method not allowed', { allow: [...new Set(matching.map((r) => r.method))].join(', ') });
    }
    if (/\/(_history|\$[A-Za-z-]+)(\/|$)/.test(path) || /^\/\$/.test(path)) throw new FhirError(501, 'not-supported', 'operation not supported');
    throw new FhirError(404, 'not-found', 'unknown FHIR path');
  }
  const params = route.path.exec(path)!.slice(1);
  if (route.public) return route.run(deps, null as unknown as Caller, req, params);
  const caller = req.token ? await (deps.findCaller ?? findCaller)(deps.db, deps.policy, req.token) : null;
  if (!caller) throw unauthorized();
  return route.run(deps, caller, req, params);
}

/** Answers one FHIR request. Never throws: every failure is an OperationOutcome. */
export async function handleFhir(deps: FhirDeps, req: FhirRequest): Promise<FhirResponse> {
  try {
    const o: Outcome & { minimal?: true } = await dispatch(deps, req);
    return { status: o.status, body: o.minimal ? null : o.resource, headers: o.headers };
  } catch (e) {
    return fhirErrorResponse(deps.log, e);
  }
}

export function fhirErrorResponse(log: Logger, e: unknown): FhirResponse {
  const n = normaliseError(e);
  if (n.internal) log.error('fhir request failed', { error: n.internal });
  return { status: n.status, body: n.body, headers: n.headers };
}
