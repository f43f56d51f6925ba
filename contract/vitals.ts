import { z } from 'zod';
import { VITAL_LIMITS } from './clinical/news2';

/*
 * A set of vital signs taken at the bedside: what the NEWS2 chart needs (respiratory rate, SpO2
 * on its scale, air or oxygen, blood pressure, pulse, consciousness, temperature). Recorded at
 * the station (offline first), synced as FHIR vital-signs Observations.
 */

const inRange = (k: keyof typeof VITAL_LIMITS) => z.number().min(VITAL_LIMITS[k][0]).max(VITAL_LIMITS[k][1]);

export const VitalsFields = z.object({
  setId: z.string().uuid(),
  patientId: z.string().uuid(),
  takenAt: z.string().datetime({ offset: true }),
  respiratoryRate: inRange('respiratoryRate').int(),
  spo2: inRange('spo2').int(),
  spo2Scale: z.union([z.literal(1), z.literal(2)]),
  onOxygen: z.boolean(),
  /** L/min when on oxygen. */
  oxygenFlow: z.number().min(0).max(60).nullable(),
  systolic: inRange('systolicBp').int(),
  diastolic: inRange('diastolicBp').int().nullable(),
  pulse: inRange('pulse').int(),
  consciousness: z.enum(['A', 'C', 'V', 'P', 'U']),
  temperature: inRange('temperature'),
});
const flowGiven = (v: { onOxygen: boolean; oxygenFlow: number | null }) => !v.onOxygen || (v.oxygenFlow !== null && v.oxygenFlow > 0);
export const VitalsEntry = VitalsFields.refine(flowGiven, { message: 'give the oxygen flow', path: ['oxygenFlow'] });
/** The station call's input: the station makes the id. */
export const VitalsInput = VitalsFields.omit({ setId: true }).refine(flowGiven, { message: 'give the oxygen flow', path: ['oxygenFlow'] });
export type VitalsEntry = z.infer<typeof VitalsEntry>;

/** LOINC codes beyond the vital-signs profile's own: ACVPU and inhaled oxygen flow. */
export const LEVEL_OF_RESPONSIVENESS = { code: '67775-7', display: 'Level of responsiveness' } as const;
export const INHALED_OXYGEN_FLOW = { code: '3151-8', display: 'Inhaled oxygen flow rate', unit: 'L/min' } as const;
/** How the SpO2 scale travels (a component of the SpO2 Observation): NEWS2 has no LOINC code for it. */
export const SPO2_SCALE_SYSTEM = 'urn:wardstation:news2';
export const SPO2_SCALE_CODE = 'spo2-scale';

export const CONSCIOUSNESS_WORDS: Record<VitalsEntry['consciousness'], string> = {
  A: 'Alert',
  C: 'New confusion',
  V: 'Responds to voice',
  P: 'Responds to pain',
  U: 'Unresponsive',
};
