import { findLabTest } from '../../../contract/clinical/loinc';
import { findVitalSign } from '../../../contract/clinical/vital-signs';
import { SYSTEMS, type CodeableConcept, type Identifier, type Quantity, type Resource } from '../../../contract/fhir/types';
import { checkCodings, clip, conceptText, instantEndOf, instantOf, primaryCoding, quantityColumns, valueColumns } from './project';

/*
 * The columns of an observations row, projected from an accepted R4 Observation. Clinical rules
 * (LOINC well-formed, UCUM claimed and not given) refuse with the element's path; everything
 * else is accepted and kept whole in the stored resource.
 */

/** One component as the `components` column holds it (and the station's chart reads it). */
export interface ObservationComponent {
  code: string;
  system: string;
  display: string | null;
  value_num: number | null;
  value_text: string | null;
  comparator: string | null;
  unit: string | null;
}

export interface ObservationColumns {
  loinc: string;
  code_system: string;
  /** A coding of `code` other than the primary one: only such rows can match a code search through the token index. */
  other_codings: boolean;
  display: string;
  value_num: number | null;
  value_text: string | null;
  comparator: '<' | '<=' | '>=' | '>' | null;
  unit: string | null;
  ref_low: number | null;
  ref_high: number | null;
  interpretation: string | null;
  status: string;
  category: string[];
  components: ObservationComponent[] | null;
  effective_at: string;
  effective_end: string | null;
  issued_at: string | null;
  identifier_system: string | null;
  identifier_value: string | null;
}

function displayOf(cc: CodeableConcept | undefined, code: string | null): string {
  const known = code ? (findLabTest(code)?.display ?? findVitalSign(code)?.display) : undefined;
  return clip(known ?? primaryCoding(cc, SYSTEMS.loinc)?.display ?? conceptText(cc) ?? code ?? '') ?? '';
}

/** The effective time the columns sort and search by: effective[x], else issued, else now. */
function effective(res: Resource): { at: string; end: string | null } {
  const period = res.effectivePeriod as { start?: string; end?: string } | undefined;
  const timing = res.effectiveTiming as { event?: string[] } | undefined;
  const start =
    instantOf(res.effectiveDateTime, 'Observation.effectiveDateTime') ??
    instantOf(res.effectiveInstant, 'Observation.effectiveInstant') ??
    instantOf(period?.start, 'Observation.effectivePeriod.start') ??
    instantOf(period?.end, 'Observation.effectivePeriod.end') ??
    instantOf(timing?.event?.[0], 'Observation.effectiveTiming.event[0]') ??
    instantOf(res.issued, 'Observation.issued') ??
    new Date().toISOString();
  const end = period?.end !== undefined && period.start !== undefined ? instantEndOf(period.end, 'Observation.effectivePeriod.end') : null;
  return { at: start, end };
}

export function projectObservation(res: Resource): ObservationColumns {
  const code = res.code as CodeableConcept;
  checkCodings(code, 'Observation.code');
  const primary = primaryCoding(code, SYSTEMS.loinc);
  const value = valueColumns(res, 'Observation');
  const ranges = (res.referenceRange as { low?: Quantity; high?: Quantity }[] | undefined) ?? [];
  ranges.forEach((r, i) => {
    quantityColumns(r.low, `Observation.referenceRange[${i}].low`);
    quantityColumns(r.high, `Observation.referenceRange[${i}].high`);
  });
  const categories = (res.category as CodeableConcept[] | undefined) ?? [];
  categories.forEach((cc, i) => checkCodings(cc, `Observation.category[${i}]`));
  const comps = (res.component as (Record<string, unknown> & { code: CodeableConcept })[] | undefined) ?? [];
  const components = comps.map((comp, i): ObservationComponent => {
    checkCodings(comp.code, `Observation.component[${i}].code`);
    const pc = primaryCoding(comp.code, SYSTEMS.loinc);
    const v = valueColumns(comp, `Observation.component[${i}]`);
    return { code: pc?.code ?? '', system: pc?.system ?? '', display: displayOf(comp.code, pc?.code ?? null) || null, ...v };
  });
  const ident = ((res.identifier as Identifier[] | undefined) ?? []).find((i) => typeof i.value === 'string');
  const interp = (res.interpretation as CodeableConcept[] | undefined)?.[0]?.coding?.find((x) => typeof x.code === 'string')?.code ?? null;
  const { at, end } = effective(res);
  return {
    loinc: primary?.code ?? '',
    code_system: primary?.system ?? '',
    other_codings: (code?.coding ?? []).some((c) => typeof c.code === 'string' && (c.code !== primary?.code || (c.system ?? '') !== (primary?.system ?? ''))),
    display: displayOf(code, primary?.code ?? null),
    value_num: value.value_num,
    value_text: value.value_text,
    comparator: value.comparator as ObservationColumns['comparator'],
    unit: value.unit,
    ref_low: (ranges[0]?.low?.value as number | undefined) ?? null,
    ref_high: (ranges[0]?.high?.value as number | undefined) ?? null,
    interpretation: clip(interp, 40),
    status: res.status as string,
    category: [...new Set(categories.flatMap((cc) => (cc.coding ?? []).map((c) => c.code).filter((x): x is string => typeof x === 'string')))],
    components: components.length > 0 ? components : null,
    effective_at: at,
    effective_end: end,
    issued_at: instantOf(res.issued, 'Observation.issued'),
    identifier_system: ident ? (ident.system ?? null) : null,
    identifier_value: ident?.value ?? null,
  };
}
