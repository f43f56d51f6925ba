/*
 * FHIR search dates: a value of some precision (a year, a month, a day, a second) stands for
 * the whole span it names, and a prefix compares against that span.
 * See https://hl7.org/fhir/R4/search.html#date.
 */

export const DATE_PREFIXES = ['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];

/** A half-open span [start, end) in UTC milliseconds. */
export interface DateSpan {
  start: number;
  end: number;
}

const DATE_VALUE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The span a FHIR date/dateTime search value names, or null if it is not one. Times without a zone are UTC. */
export function parseDateSpan(value: string): DateSpan | null {
  const m = DATE_VALUE.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo);
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 1 || month > 12)) return null;
  if (year < 1 || year > 9999) return null;
  if (month === undefined) return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
  if (day === undefined) return { start: Date.UTC(year, month - 1, 1), end: Date.UTC(year, month, 1) };
  const dayStart = Date.UTC(year, month - 1, day);
  if (new Date(dayStart).getUTCDate() !== day) return null;
  if (h === undefined) return { start: dayStart, end: dayStart + 86_400_000 };
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMin = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [zh, zm] = zone.slice(1).split(':').map(Number);
    if (zh! > 14 || zm! > 59) return null;
    offsetMin = sign * (zh! * 60 + zm!);
  }
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  const start = dayStart + ((hour * 60 + minute - offsetMin) * 60 + second) * 1000 + ms;
  const width = frac ? 1 : s === undefined ? 60_000 : 1000;
  return { start, end: start + width };
}

/** Splits 'ge2024-01-01' into its prefix and value ('eq' when none is given). */
export function splitDatePrefix(raw: string): { prefix: DatePrefix; value: string } {
  const p = raw.slice(0, 2);
  if ((DATE_PREFIXES as readonly string[]).includes(p) && /^\d/.test(raw.slice(2))) return { prefix: p as DatePrefix, value: raw.slice(2) };
  return { prefix: 'eq', value: raw };
}
