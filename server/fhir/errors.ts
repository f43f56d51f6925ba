import { DATABASE_UNREACHABLE_SERVER } from '../../contract/errors';
import { operationOutcome } from '../../contract/fhir/outcome';
import { isDatabaseBusy, isDatabaseUnavailable } from '../db/unavailable';
import type { IssueType, OperationOutcome } from '../../contract/fhir/types';

/** A FHIR error with its HTTP status. Its message goes to the caller: it never quotes input values. */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly issue: IssueType,
    message: string,
    readonly headers: Record<string, string> = {},
    /** FHIRPath of the element at fault (OperationOutcome.issue.expression), e.g. 'Observation.subject'. */
    readonly expression: readonly string[] = [],
  ) {
    super(message);
  }
}

export const badRequest = (m: string, expression?: string) => new FhirError(400, 'invalid', m, {}, expression ? [expression] : []);
export const notFound = (m = 'resource not found') => new FhirError(404, 'not-found', m);
/** A clinical rule refused the resource; `expression` names the element. */
export const unprocessable = (m: string, expression?: string) => new FhirError(422, 'business-rule', m, {}, expression ? [expression] : []);

export interface NormalisedError {
  status: number;
  headers: Record<string, string>;
  body: OperationOutcome;
  /** Set for failures that are ours, not the caller's: logged by kind, never by message. */
  internal?: string;
}

const CLIENT_ERRORS: Record<number, [IssueType, string]> = {
  400: ['structure', 'malformed request'],
  404: ['not-found', 'not found'],
  405: ['not-supported', 'method not allowed'],
  406: ['not-supported', 'not acceptable'],
  413: ['too-long', 'request body too large'],
  415: ['not-supported', 'unsupported content type; use application/fhir+json'],
};

/**
 * The one place that turns anything thrown in the FHIR API into an OperationOutcome and a status.
 * Framework errors (bad JSON, oversized bodies) keep their status; anything unexpected is a 500
 * whose body says nothing about the cause (database messages can quote patient values).
 */
export function normaliseError(err: unknown): NormalisedError {
  if (err instanceof FhirError) {
    return { status: err.status, headers: err.headers, body: operationOutcome(err.issue, err.message, 'error', err.expression) };
  }
  const e = err as { statusCode?: number; code?: string; name?: string };
  if (e && typeof e.statusCode === 'number' && CLIENT_ERRORS[e.statusCode]) {
    const [issue, message] = CLIENT_ERRORS[e.statusCode]!;
    return { status: e.statusCode, headers: {}, body: operationOutcome(issue, message) };
  }
  // Serialization failures and deadlocks are the caller's to retry, not our bug.
  if (e && (e.code === '40001' || e.code === '40P01')) {
    return { status: 409, headers: {}, body: operationOutcome('conflict', 'concurrent change; retry') };
  }
  if (isDatabaseUnavailable(err) || isDatabaseBusy(err)) {
    return { status: 503, headers: { 'retry-after': '10' }, body: operationOutcome('exception', DATABASE_UNREACHABLE_SERVER) };
  }
  const kind = [e?.name ?? 'Error', e?.code].filter(Boolean).join(' ');
  return { status: 500, headers: {}, body: operationOutcome('exception', 'internal error', 'fatal'), internal: kind };
}
