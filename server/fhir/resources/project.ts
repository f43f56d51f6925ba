import { isWellFormedLoinc } from '../../../contract/clinical/loinc';
import { parseDateSpan } from '../../../contract/fhir/dates';
import { SYSTEMS, type CodeableConcept, type Coding, type Quantity } from '../../../contract/fhir/types';
import { unprocessable } from '../errors';

/*
 * Helpers that turn an accepted resource into projection columns. A projection is what the
 * station and the search read; the resource itself is stored whole. So a projection shortens
 * or leaves out what a column cannot hold, and only a clinical rule refuses: a code that claims
 * LOINC must be well-formed LOINC, a Quantity that claims UCUM must carry a UCUM unit code.
 */

/** Text for a column: trimmed to `max` characters (the resource keeps the whole value). */
export function clip(value: string | null | undefined, max = 500): string | null {
  if (value === null || value === undefined) return null;
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** Refuses a coding that claims LOINC with a malformed code; `path` names it. */
export function checkCodings(cc: CodeableConcept | undefined, path: string): void {
  (cc?.coding ?? []).forEach((c, i) => {
    if (c.system === SYSTEMS.loinc && (typeof c.code !== 'string' || !isWellFormedLoinc(c.code))) {
      throw unprocessable('a code that claims LOINC must be a well-formed LOINC code (mod-10 check digit)', `${path}.coding[${i}].code`);
    }
  });
}

/** The coding the columns project: the first of `preferred` system, else the first with a code. */
export function primaryCoding(cc: CodeableConcept | undefined, preferred: string): Coding | null {
  const codings = (cc?.coding ?? []).filter((c) => typeof c.code === 'string');
  return codings.find((c) => c.system === preferred) ?? codings[0] ?? null;
}

export function conceptText(cc: CodeableConcept | undefined): string | null {
  if (!cc) return null;
  const c = (cc.coding ?? []).find((x) => x.display || x.code);
  return cc.text ?? c?.display ?? c?.code ?? null;
}

/** The start of a FHIR date/dateTime/instant as an ISO instant; `path` names it when invalid. */
export function instantOf(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  const span = typeof value === 'string' ? parseDateSpan(value) : null;
  if (!span) throw unprocessable('not a valid FHIR date or time', path);
  return new Date(span.start).toISOString();
}

/** The end of a FHIR date/dateTime as an ISO instant (a period's end). */
export function instantEndOf(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  const span = typeof value === 'string' ? parseDateSpan(value) : null;
  if (!span) throw unprocessable('not a valid FHIR date or time', path);
  return new Date(span.end - 1).toISOString();
}

/*
 * UCUM codes are printable ASCII without spaces, with balanced brackets (atoms in [], annotations
 * in {}, groups in ()). A full unit table is not shipped; this refuses what cannot be a UCUM code
 * ("mmHg per minute", "°C", "µg") and accepts every code of the common-lab and vital-signs lists.
 */
export function isUcumCode(code: string): boolean {
  if (code.length === 0 || code.length > 64 || !/^[!-~]+$/.test(code)) return false;
  const open: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const ch of code) {
    if (ch === '(' || ch === '[' || ch === '{') open.push(ch);
    else if (pairs[ch] && open.pop() !== pairs[ch]) return false;
  }
  return open.length === 0;
}

/** A Quantity's number and unit for the columns; refuses a UCUM claim without a UCUM code. */
export function quantityColumns(q: Quantity | undefined, path: string): { value: number | null; unit: string | null; comparator: string | null } {
  if (!q) return { value: null, unit: null, comparator: null };
  if (q.system === SYSTEMS.ucum && q.code !== undefined && !isUcumCode(q.code)) {
    throw unprocessable('a Quantity that claims UCUM must carry a UCUM unit code', `${path}.code`);
  }
  if (q.system === SYSTEMS.ucum && q.code === undefined && q.value !== undefined) {
    throw unprocessable('a Quantity that claims UCUM must carry its UCUM unit in code', `${path}.code`);
  }
  const value = typeof q.value === 'number' && Number.isFinite(q.value) ? q.value : null;
  return { value, unit: clip(q.code ?? q.unit ?? null, 40), comparator: q.comparator ?? null };
}

function quantityText(q: Quantity | undefined): string {
  if (!q) return '';
  return [q.comparator ?? '', q.value ?? '', q.unit ?? q.code ? ` ${q.unit ?? q.code}` : ''].join('');
}

export interface ValueColumns {
  value_num: number | null;
  value_text: string | null;
  comparator: string | null;
  unit: string | null;
}

/** Any value[x] of R4 (Observation and its components) as the number/text columns the station shows. */
export function valueColumns(r: Record<string, unknown>, path: string): ValueColumns {
  const none: ValueColumns = { value_num: null, value_text: null, comparator: null, unit: null };
  if (r.valueQuantity !== undefined) {
    const q = quantityColumns(r.valueQuantity as Quantity, `${path}.valueQuantity`);
    return { value_num: q.value, value_text: null, comparator: q.comparator, unit: q.unit };
  }
  if (typeof r.valueString === 'string') return { ...none, value_text: clip(r.valueString, 2000) };
  if (r.valueCodeableConcept !== undefined) return { ...none, value_text: clip(conceptText(r.valueCodeableConcept as CodeableConcept)) };
  if (typeof r.valueBoolean === 'boolean') return { ...none, value_text: String(r.valueBoolean) };
  if (typeof r.valueInteger === 'number') return { ...none, value_num: r.valueInteger };
  if (r.valueRange !== undefined) {
    const range = r.valueRange as { low?: Quantity; high?: Quantity };
    return { ...none, value_text: clip(`${quantityText(range.low)}–${quantityText(range.high)}`) };
  }
  if (r.valueRatio !== undefined) {
    const ratio = r.valueRatio as { numerator?: Quantity; denominator?: Quantity };
    return { ...none, value_text: clip(`${quantityText(ratio.numerator)}/${quantityText(ratio.denominator)}`) };
  }
  if (typeof r.valueTime === 'string') return { ...none, value_text: r.valueTime };
  if (typeof r.valueDateTime === 'string') return { ...none, value_text: r.valueDateTime };
  if (r.valuePeriod !== undefined) {
    const p = r.valuePeriod as { start?: string; end?: string };
    return { ...none, value_text: `${p.start ?? ''}–${p.end ?? ''}` };
  }
  if (r.valueSampledData !== undefined) return { ...none, value_text: '(sampled data)' };
  return none;
}
