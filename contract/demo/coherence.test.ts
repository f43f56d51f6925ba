import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ckdEpi2021, generateDemoHospital, HCT_PER_HB, REFERENCE_INSTANT, type DemoHospital, type DemoLabResult } from './hospital';

/*
 * The demo hospital reads as real wards do: haemoglobin and haematocrit agree, eGFR is the
 * creatinine's, series change as patients change; and it can be anchored to the day it is
 * seeded, still deterministic for a seed and a date.
 */

const drawsOf = (h: DemoHospital) => {
  const byDraw = new Map<string, DemoLabResult[]>();
  for (const r of h.labResults) {
    if (!r.patientKey || r.status === 'corrected' || r.tags.includes('superseded') || r.value === null) continue;
    const k = `${r.patientKey}|${r.effectiveAt}`;
    byDraw.set(k, [...(byDraw.get(k) ?? []), r]);
  }
  return byDraw;
};
const ageAt = (birth: string, at: string) => Math.max(18, Math.floor((Date.parse(at) - Date.parse(`${birth}T00:00:00Z`)) / (365.2425 * 86_400_000)));

describe('demo hospital: physiological coherence (property over seeds)', () => {
  it('haematocrit is about three times the haemoglobin of the same draw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const h = generateDemoHospital({ seed, patientsPerBranch: 10, labsPerPatient: 40 });
        let pairs = 0;
        for (const draw of drawsOf(h).values()) {
          const hb = draw.find((r) => r.loinc === '718-7');
          const hct = draw.find((r) => r.loinc === '4544-3');
          if (!hb || !hct || hb.comparator || hct.comparator) continue;
          pairs++;
          assert.ok(Math.abs(hct.value! - hb.value! * HCT_PER_HB) <= 1.6, `Hb ${hb.value} g/dL with Hct ${hct.value} %`);
        }
        return pairs > 0;
      }),
      { numRuns: 25 },
    );
  });

  it('eGFR is the CKD-EPI 2021 value of the creatinine of the same draw (">90" above the reporting limit)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const h = generateDemoHospital({ seed, patientsPerBranch: 10, labsPerPatient: 40 });
        const patients = new Map(h.patients.map((p) => [p.key, p]));
        let pairs = 0;
        for (const draw of drawsOf(h).values()) {
          const cr = draw.find((r) => r.loinc === '2160-0');
          const egfr = draw.find((r) => r.loinc === '98979-8');
          if (!cr || !egfr || cr.comparator) continue;
          const p = patients.get(cr.patientKey!)!;
          const expected = Math.round(ckdEpi2021(cr.value!, ageAt(p.birthDate, cr.effectiveAt), p.sex === 'female'));
          pairs++;
          if (expected > 90) assert.deepEqual([egfr.comparator, egfr.value], ['>', 90], `creatinine ${cr.value}`);
          else assert.equal(egfr.value, expected, `creatinine ${cr.value} mg/dL, ${p.sex}, eGFR ${egfr.value}`);
          // The clinician's sanity check: a high creatinine never sits beside a normal eGFR.
          if (cr.value! >= 2) assert.ok(egfr.value! < 60, `creatinine ${cr.value} with eGFR ${egfr.value}`);
        }
        return pairs > 0;
      }),
      { numRuns: 25 },
    );
  });

  it('a series changes plausibly: creatinine moves by at most 1 mg/dL between draws 36 h apart', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const h = generateDemoHospital({ seed, patientsPerBranch: 10, labsPerPatient: 40 });
        const series = new Map<string, DemoLabResult[]>();
        for (const r of h.labResults) {
          if (r.loinc !== '2160-0' || !r.patientKey || r.tags.length > 0 || r.value === null || r.comparator || r.status === 'corrected') continue;
          series.set(r.patientKey, [...(series.get(r.patientKey) ?? []), r]);
        }
        for (const s of series.values()) {
          s.sort((a, b) => a.effectiveAt.localeCompare(b.effectiveAt));
          for (let i = 1; i < s.length; i++) {
            const hours = (Date.parse(s[i]!.effectiveAt) - Date.parse(s[i - 1]!.effectiveAt)) / 3_600_000;
            if (hours <= 36) assert.ok(Math.abs(s[i]!.value! - s[i - 1]!.value!) <= 1.0, `${s[i - 1]!.value} → ${s[i]!.value} in ${hours.toFixed(1)} h`);
          }
        }
        return true;
      }),
      { numRuns: 25 },
    );
  });
});

describe('demo hospital: anchored to the seeding day', () => {
  const day = '2027-03-15T09:30:00.000Z';
  const anchored = generateDemoHospital({ seed: 7, patientsPerBranch: 20, referenceInstant: day });

  it('is deterministic for a seed and a date', () => {
    assert.deepEqual(generateDemoHospital({ seed: 7, patientsPerBranch: 20, referenceInstant: day }), anchored);
    assert.notDeepEqual(generateDemoHospital({ seed: 7, patientsPerBranch: 20, referenceInstant: '2027-03-16T09:30:00.000Z' }).labResults[0], anchored.labResults[0]);
  });

  it('admits this week and reports results of the last hours, none after the anchor', () => {
    const at = Date.parse(day);
    const inpatients = anchored.patients.filter((p) => p.admittedAt);
    assert.ok(inpatients.length > 0 && inpatients.every((p) => Date.parse(p.admittedAt!) <= at && Date.parse(p.admittedAt!) > at - 15 * 86_400_000));
    assert.ok(inpatients.some((p) => Date.parse(p.admittedAt!) > at - 7 * 86_400_000));
    assert.ok(anchored.labResults.some((r) => Date.parse(r.effectiveAt) > at - 48 * 3_600_000));
    assert.ok(anchored.labResults.every((r) => r.issuedAt <= day));
  });

  it('keeps the hard cases: identities, leap-day births and twins are those of the fixed reference', () => {
    const fixed = generateDemoHospital({ seed: 7, patientsPerBranch: 20 });
    assert.deepEqual(
      anchored.patients.map((p) => [p.mrn, p.familyName, p.birthDate, p.tags]),
      fixed.patients.map((p) => [p.mrn, p.familyName, p.birthDate, p.tags]),
    );
    assert.ok(anchored.patients.some((p) => p.birthDate.endsWith('-02-29')));
    assert.throws(() => generateDemoHospital({ referenceInstant: '2026-10-01T00:00:00Z' }), /must not be before/);
    assert.equal(generateDemoHospital({ seed: 7, patientsPerBranch: 20, referenceInstant: REFERENCE_INSTANT }).labResults[0]?.effectiveAt, fixed.labResults[0]?.effectiveAt);
  });
});
