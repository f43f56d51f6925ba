import { parseDateSpan, splitDatePrefix, type DateSpan } from '../../contract/fhir/dates';
import type { SupportedType } from '../../contract/fhir/types';
import { badRequest, FhirError } from './errors';

/*
 * FHIR search parameters, parsed once into a typed request that the resource modules turn into
 * SQL. Anything this server does not support is refused with a 400 naming the parameter, rather
 * than silently ignored: a lab that thinks it filtered must not receive everything.
 */

export type ParamType = 'token' | 'string' | 'date' | 'reference';

export const SEARCH_PARAMS: Record<SupportedType, Record<string, ParamType>> = {
  Patient: { _id: 'token', _lastUpdated: 'date', identifier: 'token', family: 'string', given: 'string', name: 'string', birthdate: 'date', gender: 'token' },
  Observation: {
    _id: 'token', _lastUpdated: 'date', patient: 'reference', subject: 'reference', code: 'token', 'component-code': 'token', category: 'token', date: 'date', status: 'token', identifier: 'token',
  },
  MedicationRequest: { _id: 'token', _lastUpdated: 'date', patient: 'reference', subject: 'reference', status: 'token', intent: 'token', authoredon: 'date', code: 'token', identifier: 'token' },
  ServiceRequest: { _id: 'token', _lastUpdated: 'date', patient: 'reference', subject: 'reference', status: 'token', intent: 'token', category: 'token', code: 'token', authored: 'date', identifier: 'token' },
  AllergyIntolerance: {
    _id: 'token', _lastUpdated: 'date', patient: 'reference', 'clinical-status': 'token', 'verification-status': 'token', criticality: 'token', category: 'token', code: 'token', date: 'date', identifier: 'token',
  },
  DocumentReference: { _id: 'token', _lastUpdated: 'date', patient: 'reference', subject: 'reference', date: 'date' },
};

export const INCLUDES: Partial<Record<SupportedType, readonly string[]>> = {
  Observation: ['Observation:patient'],
  MedicationRequest: ['MedicationRequest:patient'],
};

export interface TokenValue {
  /** undefined: any system; '': no system; otherwise this system. */
  system: string | undefined;
  code: string;
}
export interface StringValue {
  value: string;
  exact: boolean;
}
export interface DateValue {
  prefix: 'eq' | 'lt' | 'gt' | 'le' | 'ge';
  span: DateSpan;
}
export interface ReferenceValue {
  type: string;
  id: string;
}

export type SearchParam =
  | { name: string; type: 'token'; values: TokenValue[] }
  | { name: string; type: 'string'; values: StringValue[] }
  | { name: string; type: 'date'; values: DateValue[] }
  | { name: string; type: 'reference'; values: ReferenceValue[] };

export interface SearchRequest {
  type: SupportedType;
  /** ANDed; the values inside one parameter are ORed. */
  params: SearchParam[];
  count: number;
  summaryCount: boolean;
  include: boolean;
  cursor: string | null;
  /** The parameters in a fixed order without _cursor: what links repeat and a cursor is bound to. */
  canonical: string;
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 500;
const MAX_PARAMS = 20;
const MAX_VALUES = 20;
const MAX_VALUE_LENGTH = 256;
const CONTROL = new Set(['_count', '_cursor', '_include', '_summary', '_total', '_format']);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Characters no search value of ours contains: controls and unpaired surrogates. */
function checkText(name: string, value: string): void {
  if (value.length > MAX_VALUE_LENGTH) throw badRequest(`search parameter ${name}: value too long`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value) || LONE_SURROGATE.test(value)) throw badRequest(`search parameter ${name}: invalid characters`);
}

/** Splits on commas not escaped with a backslash, and unescapes (FHIR search escaping). */
function splitValues(raw: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      cur += raw[++i];
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function parseValue(name: string, type: ParamType, modifier: string | null, raw: string): TokenValue | StringValue | DateValue | ReferenceValue {
  if (raw === '') throw badRequest(`search parameter ${name}: empty value`);
  switch (type) {
    case 'token': {
      if (modifier) break;
      const bar = raw.indexOf('|');
      if (bar < 0) return { system: undefined, code: raw };
      const code = raw.slice(bar + 1);
      if (!code) throw badRequest(`search parameter ${name}: a code is required`);
      return { system: raw.slice(0, bar), code };
    }
    case 'string':
      if (modifier && modifier !== 'exact') break;
      return { value: raw, exact: modifier === 'exact' };
    case 'date': {
      if (modifier) break;
      const { prefix, value } = splitDatePrefix(raw);
      if (prefix !== 'eq' && prefix !== 'lt' && prefix !== 'gt' && prefix !== 'le' && prefix !== 'ge') {
        throw new FhirError(400, 'not-supported', `search parameter ${name}: prefix ${prefix} is not supported`);
      }
      const span = parseDateSpan(value);
      if (!span) throw badRequest(`search parameter ${name}: not a FHIR date`);
      return { prefix, span };
    }
    case 'reference': {
      if (modifier && modifier !== 'Patient') break;
      const parts = raw.split('/');
      const id = parts[parts.length - 1]!;
      const t = parts.length > 1 ? parts[parts.length - 2]! : 'Patient';
      return { type: t, id };
    }
  }
  throw new FhirError(400, 'not-supported', `search parameter ${name}: modifier not supported`);
}

function parseCount(raw: string): number {
  if (!/^\d{1,6}$/.test(raw)) throw badRequest('_count must be a non-negative integer');
  return Math.min(Number(raw), MAX_COUNT);
}

/** Parses a query string (without '?') for a search of `type`. */
export function parseSearch(type: SupportedType, query: URLSearchParams): SearchRequest {
  const defs = SEARCH_PARAMS[type];
  const entries = [...query.entries()];
  if (entries.length > MAX_PARAMS) throw badRequest('too many search parameters');
  const req: SearchRequest = { type, params: [], count: DEFAULT_COUNT, summaryCount: false, include: false, cursor: null, canonical: '' };
  const kept: [string, string][] = [];
  for (const [key, raw] of entries) {
    checkText('name', key);
    // A cursor is longer than any search value; decodeCursor bounds and checks it.
    if (key !== '_cursor') checkText(key.slice(0, 40), raw);
    const colon = key.indexOf(':');
    const name = colon < 0 ? key : key.slice(0, colon);
    const modifier = colon < 0 ? null : key.slice(colon + 1);
    if (CONTROL.has(key)) {
      if (key === '_cursor') {
        req.cursor = raw;
        continue;
      }
      if (key === '_count') req.count = parseCount(raw);
      else if (key === '_summary') {
        if (raw !== 'count' && raw !== 'false') throw new FhirError(400, 'not-supported', '_summary supports count only');
        req.summaryCount = raw === 'count';
      } else if (key === '_include') {
        if (!(INCLUDES[type] ?? []).includes(raw)) throw new FhirError(400, 'not-supported', `_include is not supported for this value`);
        req.include = true;
      } else if (key === '_format') {
        if (!['json', 'application/json', 'application/fhir+json'].includes(raw)) throw new FhirError(406, 'not-supported', 'only JSON is supported');
      }
      // _total: the server decides (total only when cheap).
      kept.push([key, raw]);
      continue;
    }
    const ptype = Object.hasOwn(defs, name) ? defs[name] : undefined;
    if (!ptype) throw new FhirError(400, 'not-supported', `unknown or unsupported search parameter for ${type}: ${/^[A-Za-z_-]{1,40}$/.test(name) ? name : '(invalid name)'}`);
    const raws = splitValues(raw);
    if (raws.length > MAX_VALUES) throw badRequest(`search parameter ${name}: too many values`);
    const values = raws.map((v) => parseValue(name, ptype, modifier, v));
    req.params.push({ name, type: ptype, values } as SearchParam);
    kept.push([key, raw]);
  }
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  req.canonical = new URLSearchParams(kept).toString();
  return req;
}
