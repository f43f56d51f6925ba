/*
 * Trend series of a patient's observations as the station caches them (observations rows from
 * the change feed): one series per code, and a panel's components (blood pressure: systolic and
 * diastolic) as series of their own. Shared by every chart that trends results or vital signs.
 */

export interface TrendPoint {
  /** Seconds since the epoch. */
  t: number;
  value: number;
  low: number | null;
  high: number | null;
}

export interface TrendSeries {
  code: string;
  display: string;
  unit: string;
  points: TrendPoint[];
}

type Row = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));

/** A row and, for a panel, one pseudo-row per component (same time, the component's code and value). */
function expand(o: Row): Row[] {
  const components = Array.isArray(o.components) ? (o.components as Row[]) : [];
  return [o, ...components.map((c) => ({ loinc: c.code, display: c.display ?? c.code, unit: c.unit, value_num: c.value_num, effective_at: o.effective_at }))];
}

/** Numeric series by code, each sorted by time; rows without a number are left out. */
export function trendSeries(observations: readonly Row[]): Map<string, TrendSeries> {
  const groups = new Map<string, TrendSeries>();
  for (const o of observations.flatMap(expand)) {
    const value = num(o.value_num);
    const t = Date.parse(str(o.effective_at)) / 1000;
    if (value === null || Number.isNaN(value) || Number.isNaN(t)) continue;
    const code = str(o.loinc);
    const g = groups.get(code) ?? { code, display: str(o.display), unit: str(o.unit), points: [] };
    g.points.push({ t, value, low: num(o.ref_low), high: num(o.ref_high) });
    groups.set(code, g);
  }
  for (const g of groups.values()) g.points.sort((a, b) => a.t - b.t);
  return groups;
}
