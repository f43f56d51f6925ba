/**
 * The FHIR R4 vital-signs profile's LOINC codes and UCUM units (hl7.org/fhir/R4/observation-vitalsigns).
 * A vital-signs Observation carries the category code 'vital-signs'; blood pressure is a panel
 * (85354-9) whose systolic and diastolic values are components, not Observations of their own.
 */

export const VITAL_SIGNS_CATEGORY = 'vital-signs';

export interface VitalSign {
  code: string;
  display: string;
  /** UCUM code; '' for a panel. */
  unit: string;
}

export const VITAL_SIGNS = {
  panel: { code: '85353-1', display: 'Vital signs, weight, height, head circumference, oxygen saturation and BMI panel', unit: '' },
  respiratoryRate: { code: '9279-1', display: 'Respiratory rate', unit: '/min' },
  heartRate: { code: '8867-4', display: 'Heart rate', unit: '/min' },
  oxygenSaturation: { code: '2708-6', display: 'Oxygen saturation in Arterial blood', unit: '%' },
  bodyTemperature: { code: '8310-5', display: 'Body temperature', unit: 'Cel' },
  bodyHeight: { code: '8302-2', display: 'Body height', unit: 'cm' },
  headCircumference: { code: '9843-4', display: 'Head Occipital-frontal circumference', unit: 'cm' },
  bodyWeight: { code: '29463-7', display: 'Body weight', unit: 'kg' },
  bmi: { code: '39156-5', display: 'Body mass index (BMI) [Ratio]', unit: 'kg/m2' },
  bloodPressure: { code: '85354-9', display: 'Blood pressure panel with all children optional', unit: '' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]' },
} as const satisfies Record<string, VitalSign>;

export function findVitalSign(code: string): VitalSign | undefined {
  return Object.values(VITAL_SIGNS).find((v) => v.code === code);
}
