/*
 * NEWS2 (Royal College of Physicians, 2017): the National Early Warning Score of an adult's
 * vital signs, as its published chart scores them. Table-driven: each parameter is a list of
 * bands (inclusive upper bound → points), read top to bottom. SpO2 has two scales: scale 2 is
 * for patients with hypercapnic respiratory failure whose target saturation is 88–92 %, chosen
 * by a clinician and recorded with the observation.
 */

export type Consciousness = 'A' | 'C' | 'V' | 'P' | 'U';
export type SpO2Scale = 1 | 2;

export interface VitalSigns {
  respiratoryRate: number;
  spo2: number;
  spo2Scale: SpO2Scale;
  /** Supplemental oxygen (any device or flow) rather than room air. */
  onOxygen: boolean;
  systolicBp: number;
  pulse: number;
  consciousness: Consciousness;
  /** Degrees Celsius. */
  temperature: number;
}

export type News2Parameter = 'respiratoryRate' | 'spo2' | 'air' | 'systolicBp' | 'pulse' | 'consciousness' | 'temperature';
/** Low (0–4 without a red score), low–medium (a single parameter scoring 3), medium (5–6), high (7+). */
export type News2Band = 'low' | 'low-medium' | 'medium' | 'high';

export interface News2Result {
  total: number;
  band: News2Band;
  /** Points per parameter, in the chart's order. */
  parts: Record<News2Parameter, number>;
}

type Bands = readonly (readonly [upTo: number, points: number])[];

export const RESPIRATORY_RATE: Bands = [[8, 3], [11, 1], [20, 0], [24, 2], [Infinity, 3]];
export const SPO2_SCALE_1: Bands = [[91, 3], [93, 2], [95, 1], [Infinity, 0]];
/** Scale 2 on room air, and below 93 % whatever the oxygen. */
export const SPO2_SCALE_2_AIR: Bands = [[83, 3], [85, 2], [87, 1], [Infinity, 0]];
/** Scale 2 at 93 % or more on oxygen: saturation above target scores again. */
export const SPO2_SCALE_2_OXYGEN_HIGH: Bands = [[94, 1], [96, 2], [Infinity, 3]];
export const SYSTOLIC_BP: Bands = [[90, 3], [100, 2], [110, 1], [219, 0], [Infinity, 3]];
export const PULSE: Bands = [[40, 3], [50, 1], [90, 0], [110, 1], [130, 2], [Infinity, 3]];
/** Temperature is read to one decimal. */
export const TEMPERATURE: Bands = [[35.0, 3], [36.0, 1], [38.0, 0], [39.0, 1], [Infinity, 2]];

function lookup(bands: Bands, value: number): number {
  for (const [upTo, points] of bands) if (value <= upTo) return points;
  return 0;
}

function spo2Points(v: VitalSigns): number {
  const s = Math.round(v.spo2);
  if (v.spo2Scale === 1) return lookup(SPO2_SCALE_1, s);
  if (v.onOxygen && s >= 93) return lookup(SPO2_SCALE_2_OXYGEN_HIGH, s);
  return lookup(SPO2_SCALE_2_AIR, s);
}

export function news2(v: VitalSigns): News2Result {
  const parts: Record<News2Parameter, number> = {
    respiratoryRate: lookup(RESPIRATORY_RATE, Math.round(v.respiratoryRate)),
    spo2: spo2Points(v),
    air: v.onOxygen ? 2 : 0,
    systolicBp: lookup(SYSTOLIC_BP, Math.round(v.systolicBp)),
    pulse: lookup(PULSE, Math.round(v.pulse)),
    consciousness: v.consciousness === 'A' ? 0 : 3,
    temperature: lookup(TEMPERATURE, Math.round(v.temperature * 10) / 10),
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const red = Object.values(parts).some((p) => p === 3);
  const band: News2Band = total >= 7 ? 'high' : total >= 5 ? 'medium' : red ? 'low-medium' : 'low';
  return { total, band, parts };
}

/** What the band asks of the ward, in the chart's words. */
export const NEWS2_RESPONSE: Record<News2Band, string> = {
  low: 'Low: ward-based response',
  'low-medium': 'Low–medium (a score of 3 in one parameter): urgent ward-based response',
  medium: 'Medium: key threshold for urgent response',
  high: 'High: urgent or emergency response',
};

/** Plausible ranges for entry: outside them a value is a typing error, not a patient. */
export const VITAL_LIMITS = {
  respiratoryRate: [0, 80],
  spo2: [40, 100],
  systolicBp: [30, 300],
  diastolicBp: [10, 200],
  pulse: [10, 300],
  temperature: [25, 45],
} as const;
