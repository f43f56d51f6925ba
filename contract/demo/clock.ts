/**
 * Deterministic time for fixtures. Nothing here reads the wall clock: demo data
 * and tests must produce the same bytes next year as today.
 */

/** Every generated timestamp is placed relative to this instant. It falls 2 h after the
 *  US fall-back transition, so "the last 24 h" crosses a 25-hour day in New York. */
export const REFERENCE_INSTANT = '2026-11-01T08:00:00.000Z';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Parses an ISO-8601 instant; throws instead of yielding NaN so bad fixtures fail loudly. */
export function parseInstant(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 instant: ${JSON.stringify(iso)}`);
  return ms;
}

// Written as char codes into a reused buffer: yields a flat string, where a template literal
// would leave a multi-node rope per timestamp in the heap of a 10^5-result fixture.
const ISO_BUF: number[] = Array.from('0000-00-00T00:00:00.000Z', (ch) => ch.charCodeAt(0));

function put(value: number, at: number, width: number): void {
  for (let k = width - 1; k >= 0; k--) {
    ISO_BUF[at + k] = 48 + (value % 10);
    value = Math.floor(value / 10);
  }
}

/**
 * Same output as Date#toISOString, computed arithmetically (civil-from-days) because
 * the big fixtures format ~10^5 timestamps and Date allocation dominated their runtime.
 */
export function toIso(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`not a finite instant: ${ms}`);
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const hour = Math.floor(rest / HOUR_MS);
  rest -= hour * HOUR_MS;
  const minute = Math.floor(rest / MINUTE_MS);
  rest -= minute * MINUTE_MS;
  const second = Math.floor(rest / 1000);
  const milli = Math.floor(rest - second * 1000);
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return new Date(ms).toISOString();
  put(year, 0, 4);
  put(month, 5, 2);
  put(day, 8, 2);
  put(hour, 11, 2);
  put(minute, 14, 2);
  put(second, 17, 2);
  put(milli, 20, 3);
  return String.fromCharCode.apply(null, ISO_BUF);
}

export function shiftIso(iso: string, deltaMs: number): string {
  return toIso(parseInstant(iso) + deltaMs);
}

export const REFERENCE_MS = parseInstant(REFERENCE_INSTANT);

/**
 * A device clock that is `skewMs` off from true time. Each call returns the current
 * skewed reading and then lets true time move on by `stepMs` (0 = frozen clock), so
 * readings from a stepped clock are strictly increasing and reproducible.
 */
export interface SkewedClock {
  (): string;
  /** Moves true time forward (or backward, for a clock that gets corrected). */
  advance(ms: number): void;
  /** What a perfectly synchronised clock would read now, without consuming a step. */
  trueNow(): string;
  /** The skewed reading now, without consuming a step. */
  peek(): string;
  readonly skewMs: number;
}

export function skewedClock(baseIso: string, skewMs: number, stepMs = 0): SkewedClock {
  if (!Number.isFinite(skewMs) || !Number.isFinite(stepMs)) {
    throw new RangeError('skewMs and stepMs must be finite numbers');
  }
  let trueMs = parseInstant(baseIso);
  const read = (): string => {
    const reading = toIso(trueMs + skewMs);
    trueMs += stepMs;
    return reading;
  };
  return Object.assign(read, {
    advance(ms: number): void {
      trueMs += ms;
    },
    trueNow: (): string => toIso(trueMs),
    peek: (): string => toIso(trueMs + skewMs),
    skewMs,
  });
}

/** Skews seen on real ward hardware: drifting RTCs, a wrong-timezone BIOS, a dead CMOS battery. */
export const TYPICAL_SKEWS_MS: Readonly<Record<string, number>> = {
  'in-sync': 0,
  'ntp-jitter': 150,
  'drift-fast-90s': 90_000,
  'drift-slow-4min': -240_000,
  'bios-in-local-time-cest': 2 * HOUR_MS,
  'bios-in-local-time-est': -5 * HOUR_MS,
  'cmos-reset-to-epoch-2000': Date.UTC(2000, 0, 1) - REFERENCE_MS,
};

export interface DstTransition {
  zone: string;
  /** The UTC instant of the switch. */
  at: string;
  kind: 'spring-forward' | 'fall-back';
  offsetBefore: string;
  offsetAfter: string;
  /** Local wall time at which clocks are turned, and what they are turned to. */
  localFrom: string;
  localTo: string;
}

/** 2026 transitions, including a southern-hemisphere zone (inverted seasons) and
 *  Lord Howe's 30-minute shift, which breaks code that assumes whole hours. */
export const DST_TRANSITIONS: readonly DstTransition[] = [
  { zone: 'Europe/Berlin', at: '2026-03-29T01:00:00.000Z', kind: 'spring-forward', offsetBefore: '+01:00', offsetAfter: '+02:00', localFrom: '02:00', localTo: '03:00' },
  { zone: 'Europe/Berlin', at: '2026-10-25T01:00:00.000Z', kind: 'fall-back', offsetBefore: '+02:00', offsetAfter: '+01:00', localFrom: '03:00', localTo: '02:00' },
  { zone: 'Europe/London', at: '2026-03-29T01:00:00.000Z', kind: 'spring-forward', offsetBefore: '+00:00', offsetAfter: '+01:00', localFrom: '01:00', localTo: '02:00' },
  { zone: 'Europe/London', at: '2026-10-25T01:00:00.000Z', kind: 'fall-back', offsetBefore: '+01:00', offsetAfter: '+00:00', localFrom: '02:00', localTo: '01:00' },
  { zone: 'America/New_York', at: '2026-03-08T07:00:00.000Z', kind: 'spring-forward', offsetBefore: '-05:00', offsetAfter: '-04:00', localFrom: '02:00', localTo: '03:00' },
  { zone: 'America/New_York', at: '2026-11-01T06:00:00.000Z', kind: 'fall-back', offsetBefore: '-04:00', offsetAfter: '-05:00', localFrom: '02:00', localTo: '01:00' },
  { zone: 'Australia/Sydney', at: '2026-04-04T16:00:00.000Z', kind: 'fall-back', offsetBefore: '+11:00', offsetAfter: '+10:00', localFrom: '03:00', localTo: '02:00' },
  { zone: 'Australia/Sydney', at: '2026-10-03T16:00:00.000Z', kind: 'spring-forward', offsetBefore: '+10:00', offsetAfter: '+11:00', localFrom: '02:00', localTo: '03:00' },
  { zone: 'Australia/Lord_Howe', at: '2026-04-04T15:00:00.000Z', kind: 'fall-back', offsetBefore: '+11:00', offsetAfter: '+10:30', localFrom: '02:00', localTo: '01:30' },
  { zone: 'Australia/Lord_Howe', at: '2026-10-03T15:30:00.000Z', kind: 'spring-forward', offsetBefore: '+10:30', offsetAfter: '+11:00', localFrom: '02:00', localTo: '02:30' },
];
