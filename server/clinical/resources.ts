import type { AllergyEntry } from '../../contract/allergy';
import { NO_KNOWN_ALLERGY_CODE } from '../../contract/allergy';
import { VITAL_SIGNS, VITAL_SIGNS_CATEGORY } from '../../contract/clinical/vital-signs';
import { SYSTEMS, type Resource } from '../../contract/fhir/types';
import { CONSCIOUSNESS_WORDS, INHALED_OXYGEN_FLOW, LEVEL_OF_RESPONSIVENESS, SPO2_SCALE_CODE, SPO2_SCALE_SYSTEM, type VitalsEntry } from '../../contract/vitals';

/*
 * Station records as FHIR R4 resources: a set of vital signs as vital-signs Observations (one per
 * measurement, blood pressure as one panel with its two components), an allergy as an
 * AllergyIntolerance. Built here, stored through the FHIR store, so the API serves them as any
 * other resource.
 */

const category = [{ coding: [{ system: SYSTEMS.observationCategory, code: VITAL_SIGNS_CATEGORY, display: 'Vital Signs' }], text: 'Vital Signs' }];
const loinc = (code: string, display: string) => ({ coding: [{ system: SYSTEMS.loinc, code, display }], text: display });
const quantity = (value: number, unit: string) => ({ value, unit, system: SYSTEMS.ucum, code: unit });

export function vitalsObservations(v: VitalsEntry): Resource[] {
  const base = (code: { code: string; display: string }) => ({
    resourceType: 'Observation',
    status: 'final',
    category,
    code: loinc(code.code, code.display),
    subject: { reference: `Patient/${v.patientId}` },
    effectiveDateTime: v.takenAt,
  });
  const out: Resource[] = [
    { ...base(VITAL_SIGNS.respiratoryRate), valueQuantity: quantity(v.respiratoryRate, '/min') },
    {
      ...base(VITAL_SIGNS.oxygenSaturation),
      valueQuantity: quantity(v.spo2, '%'),
      component: [{ code: { coding: [{ system: SPO2_SCALE_SYSTEM, code: SPO2_SCALE_CODE, display: 'NEWS2 SpO2 scale' }], text: 'NEWS2 SpO2 scale' }, valueInteger: v.spo2Scale }],
    },
    { ...base(INHALED_OXYGEN_FLOW), valueQuantity: quantity(v.onOxygen ? (v.oxygenFlow ?? 0) : 0, INHALED_OXYGEN_FLOW.unit) },
    {
      ...base(VITAL_SIGNS.bloodPressure),
      component: [
        { code: loinc(VITAL_SIGNS.systolic.code, VITAL_SIGNS.systolic.display), valueQuantity: quantity(v.systolic, 'mm[Hg]') },
        ...(v.diastolic === null ? [] : [{ code: loinc(VITAL_SIGNS.diastolic.code, VITAL_SIGNS.diastolic.display), valueQuantity: quantity(v.diastolic, 'mm[Hg]') }]),
      ],
    },
    { ...base(VITAL_SIGNS.heartRate), valueQuantity: quantity(v.pulse, '/min') },
    { ...base(LEVEL_OF_RESPONSIVENESS), valueString: `${v.consciousness} (${CONSCIOUSNESS_WORDS[v.consciousness]})` },
    { ...base(VITAL_SIGNS.bodyTemperature), valueQuantity: quantity(v.temperature, 'Cel') },
  ];
  return out;
}

export function allergyResource(a: AllergyEntry, recordedAt: string): Resource {
  return {
    resourceType: 'AllergyIntolerance',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
    ...(a.noneKnown
      ? { code: { coding: [{ system: SYSTEMS.snomed, code: NO_KNOWN_ALLERGY_CODE, display: 'No known allergy' }], text: 'No known allergies' } }
      : { code: { text: a.substance }, ...(a.category ? { category: [a.category] } : {}), ...(a.criticality ? { criticality: a.criticality } : {}) }),
    patient: { reference: `Patient/${a.patientId}` },
    recordedDate: recordedAt,
    ...(a.reaction && !a.noneKnown ? { reaction: [{ manifestation: [{ text: a.reaction }] }] } : {}),
  };
}
