import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LOINC_LABS, findLabTest, interpretLabValue, isWellFormedLoinc, loincCheckDigit } from './loinc';

/** Codes spelled out in the brief, with the unit each must carry. */
const REQUIRED: ReadonlyArray<[string, string]> = [
  ['2345-7', 'mg/dL'], ['15074-8', 'mmol/L'], ['718-7', 'g/dL'], ['6690-2', '10*3/uL'], ['777-3', '10*3/uL'],
  ['2951-2', 'mmol/L'], ['2823-3', 'mmol/L'], ['2160-0', 'mg/dL'], ['1988-5', 'mg/L'], ['33959-8', 'ng/mL'],
  ['6598-7', 'ug/L'], ['2524-7', 'mmol/L'], ['1742-6', 'U/L'], ['4548-4', '%'], ['3016-3', 'm[IU]/L'],
  ['5902-2', 's'], ['6301-6', '{INR}'], ['33762-6', 'pg/mL'],
];

const digitsOf = (code: string): string => code.replace('-', '');
const asCode = (digits: string): string => `${digits.slice(0, -1)}-${digits.slice(-1)}`;
/** A valid LOINC code built from an arbitrary body, so properties are not limited to the table. */
const validCode = fc.stringMatching(/^[0-9]{1,7}$/).map((body) => `${body}-${loincCheckDigit(body)}`);

describe('LOINC table', () => {
  it('has about forty tests, each code unique and passing the mod-10 check', () => {
    assert.ok(LOINC_LABS.length >= 40, `only ${LOINC_LABS.length} tests`);
    assert.equal(new Set(LOINC_LABS.map((t) => t.code)).size, LOINC_LABS.length);
    for (const t of LOINC_LABS) assert.ok(isWellFormedLoinc(t.code), t.code);
  });

  it('contains the codes the rest of the system relies on, with their UCUM units', () => {
    for (const [code, unit] of REQUIRED) {
      const t = findLabTest(code);
      assert.ok(t, `missing ${code}`);
      assert.equal(t.unit, unit, code);
      assert.ok(t.display.length > 3);
    }
    assert.match(findLabTest('2345-7')?.display ?? '', /^Glucose \[Mass\/volume\] in Serum or Plasma$/);
    assert.match(findLabTest('15074-8')?.display ?? '', /^Glucose \[Moles\/volume\] in Blood$/);
    assert.equal(findLabTest('9999-9'), undefined);
  });

  it('has consistent limits: low < high, critical limits outside the reference range, typical span ordered', () => {
    for (const t of LOINC_LABS) {
      if (t.referenceLow !== null && t.referenceHigh !== null) assert.ok(t.referenceLow < t.referenceHigh, t.code);
      if (t.criticalLow !== null && t.referenceLow !== null) assert.ok(t.criticalLow <= t.referenceLow, t.code);
      if (t.criticalHigh !== null && t.referenceHigh !== null) assert.ok(t.criticalHigh >= t.referenceHigh, t.code);
      if (t.measuringLow !== null && t.measuringHigh !== null) assert.ok(t.measuringLow < t.measuringHigh, t.code);
      assert.ok(t.typicalLow <= t.typicalHigh, t.code);
      assert.ok(Number.isInteger(t.decimals) && t.decimals >= 0, t.code);
      if (t.answers.length > 0) assert.equal(t.unit, '', `${t.code}: nominal tests carry no unit`);
    }
  });

  it('includes ranges with both bounds, only a low bound, only a high bound, and none', () => {
    const quantitative = LOINC_LABS.filter((t) => t.answers.length === 0);
    assert.ok(quantitative.some((t) => t.referenceLow !== null && t.referenceHigh !== null));
    assert.ok(quantitative.some((t) => t.referenceLow !== null && t.referenceHigh === null));
    assert.ok(quantitative.some((t) => t.referenceLow === null && t.referenceHigh !== null));
    assert.ok(quantitative.some((t) => t.referenceLow === null && t.referenceHigh === null));
    assert.ok(LOINC_LABS.some((t) => t.answers.length > 0), 'at least one nominal (text) test');
  });
});

describe('isWellFormedLoinc', () => {
  it('accepts real codes and computes the documented example (12345 → 5)', () => {
    assert.equal(loincCheckDigit('12345'), 5);
    for (const code of ['2345-7', '718-7', '600-7', '94500-6', '33762-6', '8867-4', '1-8']) assert.ok(isWellFormedLoinc(code), code);
  });

  it('rejects malformed shapes', () => {
    for (const bad of ['', '2345', '2345-', '-7', '2345-77', '12345678-9', ' 2345-7', '2345-7 ', '2345\u20137', '２３４５-7', 'LP2345-7', '2345.7', 'abc-d']) {
      assert.equal(isWellFormedLoinc(bad), false, JSON.stringify(bad));
    }
  });

  it('rejects every real code with its check digit changed', () => {
    for (const t of LOINC_LABS) {
      const [body, check] = t.code.split('-');
      for (let d = 0; d <= 9; d++) if (String(d) !== check) assert.equal(isWellFormedLoinc(`${body}-${d}`), false, `${body}-${d}`);
    }
  });

  it('property: any single changed digit (body or check) is rejected', () => {
    fc.assert(
      fc.property(validCode, fc.nat(), fc.integer({ min: 1, max: 9 }), (code, at, delta) => {
        const digits = digitsOf(code);
        const i = at % digits.length;
        const changed = (Number(digits[i]) + delta) % 10;
        const mutated = asCode(digits.slice(0, i) + changed + digits.slice(i + 1));
        return isWellFormedLoinc(code) && !isWellFormedLoinc(mutated);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: swapping two adjacent different digits is rejected (except the 0↔9 blind spot of mod 10)', () => {
    fc.assert(
      fc.property(validCode, fc.nat(), (code, at) => {
        const digits = digitsOf(code);
        if (digits.length < 2) return true;
        const i = at % (digits.length - 1);
        const a = digits[i] ?? '';
        const b = digits[i + 1] ?? '';
        if (a === b || (a + b === '09' || a + b === '90')) return true;
        return !isWellFormedLoinc(asCode(digits.slice(0, i) + b + a + digits.slice(i + 2)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('interpretLabValue', () => {
  const na = findLabTest('2951-2');
  const crp = findLabTest('1988-5');
  const egfr = findLabTest('98979-8');
  const tni = findLabTest('10839-9');
  assert.ok(na && crp && egfr && tni);

  it('flags exact values against reference and critical limits', () => {
    assert.equal(interpretLabValue(na, 140), 'N');
    assert.equal(interpretLabValue(na, 135), 'N', 'bounds are inside the range');
    assert.equal(interpretLabValue(na, 145), 'N');
    assert.equal(interpretLabValue(na, 131), 'L');
    assert.equal(interpretLabValue(na, 150), 'H');
    assert.equal(interpretLabValue(na, 118), 'LL');
    assert.equal(interpretLabValue(na, 163), 'HH');
    assert.equal(interpretLabValue(crp, 0), 'N', 'no lower bound: nothing is low');
    assert.equal(interpretLabValue(crp, 80), 'H');
    assert.equal(interpretLabValue(tni, 1.2), null, 'no range: cannot judge');
    assert.equal(interpretLabValue(na, Number.NaN), null);
  });

  it('flags censored values only when every value they stand for falls in one class', () => {
    assert.equal(interpretLabValue(crp, 0.1, '<'), 'N');
    assert.equal(interpretLabValue(crp, 500, '>'), 'H');
    assert.equal(interpretLabValue(egfr, 90, '>'), 'N');
    assert.equal(interpretLabValue(egfr, 60, '<'), 'L', '<60 lies entirely below the bound');
    assert.equal(interpretLabValue(egfr, 60, '<='), null, '<=60 includes the normal value 60');
    assert.equal(interpretLabValue(na, 140, '<'), null, 'could be normal or critically low');
    assert.equal(interpretLabValue(na, 160, '>'), 'HH');
    assert.equal(interpretLabValue(na, 160, '>='), null, '160 itself is only H');
  });

  it('property: for exact values the flag never decreases as the value rises', () => {
    const rank = { LL: 0, L: 1, N: 2, H: 3, HH: 4, A: -1 } as const;
    fc.assert(
      fc.property(fc.constantFrom(...LOINC_LABS.filter((t) => t.answers.length === 0)), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e6 }), (t, x, dx) => {
        const a = interpretLabValue(t, x);
        const b = interpretLabValue(t, x + dx);
        if (a === null || b === null) return a === b;
        return rank[a] <= rank[b];
      }),
    );
  });
});
