import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  generateDemoHospital,
  MEDICATION_CATALOG,
  REFERRAL_CATALOG,
  REFERENCE_INSTANT,
  type DemoHospital,
  type DemoLabResult,
  type DemoPatient,
} from './hospital';
import { Rng, UUID_V4_PATTERN } from './rng';
import { DST_TRANSITIONS, skewedClock, toIso } from './clock';
import { findLabTest, interpretLabValue, isWellFormedLoinc } from '../clinical/loinc';

const REF = Date.parse(REFERENCE_INSTANT);
const small = (seed = 1, patientsPerBranch = 10, labsPerPatient?: number): DemoHospital =>
  generateDemoHospital({ seed, patientsPerBranch, labsPerPatient });
const fixture = small(42);

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const inBranch = (h: DemoHospital, code: string): DemoPatient[] => h.patients.filter((p) => p.branchCode === code);
const fullName = (p: DemoPatient): string => [...p.givenNames, p.familyName].join(' ');

/** SNOMED CT identifiers end in a Verhoeff check digit; the permutation table is derived, not typed. */
function verhoeffValid(id: string): boolean {
  const d = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1], [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]];
  const p: number[][] = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]];
  for (let i = 2; i < 8; i++) p[i] = (p[1] ?? []).map((_, j) => p[i - 1]?.[p[1]?.[j] ?? 0] ?? 0);
  let c = 0;
  [...id].reverse().forEach((ch, i) => { c = d[c]?.[p[i % 8]?.[Number(ch)] ?? 0] ?? -1; });
  return c === 0;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  [...digits].reverse().forEach((ch, i) => {
    let v = Number(ch);
    if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
  });
  return sum % 10 === 0;
}

describe('generateDemoHospital: structure', () => {
  it('has the north and south branches with 3–4 wards each and unique bed labels', () => {
    assert.deepEqual(fixture.branches.map((b) => [b.code, b.name]), [['north', 'North Hospital'], ['south', 'South Hospital']]);
    for (const b of fixture.branches) {
      assert.ok(b.wards.length >= 3 && b.wards.length <= 4, b.code);
      for (const w of b.wards) {
        assert.ok(w.code.startsWith(`${b.code[0]}-`), w.code);
        assert.equal(w.bedLabels.length, w.beds);
        assert.equal(new Set(w.bedLabels).size, w.beds);
      }
    }
    assert.ok(fixture.branches[0]?.wards.some((w) => w.code === 'n-icu'));
  });

  it('has the demo logins with their branch roles', () => {
    const roles = (u: string): string[] => (fixture.users.find((x) => x.username === u)?.roles ?? []).map((r) => `${r.branchCode}:${r.role}`).sort();
    assert.deepEqual(roles('dr.north'), ['north:physician']);
    assert.deepEqual(roles('dr.south'), ['south:physician']);
    assert.deepEqual(roles('nurse.north'), ['north:nurse']);
    assert.deepEqual(roles('it.admin'), ['north:it_admin', 'south:it_admin']);
    assert.equal(new Set(fixture.users.map((u) => u.username)).size, fixture.users.length);
  });

  it('validates its options', () => {
    assert.throws(() => generateDemoHospital({ patientsPerBranch: -1 }), RangeError);
    assert.throws(() => generateDemoHospital({ patientsPerBranch: 1.5 }), RangeError);
    assert.throws(() => generateDemoHospital({ labsPerPatient: -3 }), RangeError);
    assert.throws(() => generateDemoHospital({ seed: Number.NaN }), RangeError);
    const empty = generateDemoHospital({ patientsPerBranch: 0 });
    assert.equal(empty.patients.length + empty.labResults.length + empty.medications.length + empty.referrals.length, 0);
    assert.equal(generateDemoHospital({ patientsPerBranch: 3, labsPerPatient: 0 }).labResults.length, 0);
    assert.ok(generateDemoHospital().patients.length > 0, 'defaults work');
  });
});

describe('generateDemoHospital: determinism', () => {
  it('property: the same seed yields byte-identical output', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 14 }), (seed, n) => {
        const a = generateDemoHospital({ seed, patientsPerBranch: n, labsPerPatient: 6 });
        const b = generateDemoHospital({ seed, patientsPerBranch: n, labsPerPatient: 6 });
        assert.deepEqual(a, b);
        return JSON.stringify(a) === JSON.stringify(b);
      }),
      { numRuns: 25 },
    );
  });

  it('property: different seeds yield different patients', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (s1, s2) => {
        fc.pre(s1 >>> 0 !== s2 >>> 0);
        const a = generateDemoHospital({ seed: s1, patientsPerBranch: 3, labsPerPatient: 0 });
        const b = generateDemoHospital({ seed: s2, patientsPerBranch: 3, labsPerPatient: 0 });
        return JSON.stringify(a.patients) !== JSON.stringify(b.patients);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps patients stable when only the lab volume changes (independent streams)', () => {
    assert.deepEqual(small(5, 12, 3).patients, small(5, 12, 30).patients);
    assert.deepEqual(small(5, 12, 3).medications, small(5, 12, 30).medications);
  });

  it('never consults Math.random or the wall clock', () => {
    const { random } = Math;
    const { now } = Date;
    Math.random = () => { throw new Error('Math.random used'); };
    Date.now = () => { throw new Error('Date.now used'); };
    try {
      assert.deepEqual(small(9), small(9));
    } finally {
      Math.random = random;
      Date.now = now;
    }
  });
});

describe('generateDemoHospital: identifiers', () => {
  it('property: MRNs are unique per branch and carry the branch prefix, for any size', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 80 }), (seed, n) => {
        const h = generateDemoHospital({ seed, patientsPerBranch: n, labsPerPatient: 0 });
        for (const [code, prefix] of [['north', 'N'], ['south', 'S']] as const) {
          const mrns = inBranch(h, code).map((p) => p.mrn);
          assert.equal(mrns.length, n);
          assert.equal(new Set(mrns).size, n);
          for (const m of mrns) assert.match(m, new RegExp(`^${prefix}\\d{6,}$`));
        }
        return true;
      }),
      { numRuns: 30 },
    );
  });

  it('gives every patient a UUID key and a Luhn-valid national ID, shared only by the cross-branch pair', () => {
    const h = small(7, 60, 0);
    assert.equal(new Set(h.patients.map((p) => p.key)).size, h.patients.length);
    for (const p of h.patients) {
      assert.match(p.key, UUID_V4_PATTERN);
      assert.match(p.nationalId, /^\d{10}$/);
      assert.ok(luhnValid(p.nationalId), p.nationalId);
    }
    const byNid = groupBy(h.patients, (p) => p.nationalId);
    const sharedGroups = [...byNid.values()].filter((g) => g.length > 1);
    assert.equal(sharedGroups.length, 1);
    assert.deepEqual(sharedGroups[0]?.map((p) => p.branchCode).sort(), ['north', 'south']);
  });
});

describe('generateDemoHospital: patient edge cases (always present from 10 per branch)', () => {
  const cases = fc.tuple(fc.integer(), fc.integer({ min: 10, max: 30 }));
  const check = (fn: (h: DemoHospital) => void): void =>
    fc.assert(fc.property(cases, ([seed, n]) => { fn(generateDemoHospital({ seed, patientsPerBranch: n, labsPerPatient: 5 })); }), { numRuns: 12 });

  it('twins: same family name, birth date and ward; different given names and MRNs', () => {
    check((h) => {
      const twins = h.patients.filter((p) => p.tags.includes('twin'));
      const pairs = groupBy(twins, (p) => `${p.branchCode}|${p.familyName}|${p.birthDate}`);
      const pair = [...pairs.values()].find((g) => g.length === 2);
      assert.ok(pair, 'a twin pair');
      const [a, b] = pair;
      assert.ok(a && b);
      assert.ok(a.wardCode !== null && a.wardCode === b.wardCode);
      assert.notEqual(a.bed, b.bed);
      assert.notDeepEqual(a.givenNames, b.givenNames);
      assert.notEqual(a.mrn, b.mrn);
    });
  });

  it('one person registered in both branches under the same national ID', () => {
    check((h) => {
      const shared = h.patients.filter((p) => p.tags.includes('shared-national-id'));
      const north = shared.find((p) => p.branchCode === 'north');
      const south = shared.find((p) => p.branchCode === 'south');
      assert.ok(north && south);
      assert.equal(north.nationalId, south.nationalId);
      assert.equal(fullName(north), fullName(south));
      assert.equal(north.birthDate, south.birthDate);
      assert.notEqual(north.key, south.key);
    });
  });

  it('moved, readmitted and deceased patients with consistent movement histories', () => {
    check((h) => {
      for (const branch of ['north', 'south']) {
        const ps = inBranch(h, branch);
        const moved = ps.find((p) => p.tags.includes('moved'));
        assert.ok(moved, `${branch}: moved`);
        assert.ok(new Set(moved.movements.map((m) => m.wardCode)).size >= 2, 'changed ward');
        assert.ok(new Set(moved.movements.map((m) => `${m.wardCode}/${m.bed}`)).size >= 3, 'changed beds');
        for (let i = 1; i < moved.movements.length; i++) assert.equal(moved.movements[i]?.fromAt, moved.movements[i - 1]?.toAt, 'transfers are seamless');
        assert.equal(moved.admittedAt, moved.movements[0]?.fromAt, 'admission starts at the first bed');

        const readmitted = ps.find((p) => p.tags.includes('readmitted'));
        assert.ok(readmitted, `${branch}: readmitted`);
        const closed = readmitted.movements.filter((m) => m.toAt !== null);
        const last = readmitted.movements[readmitted.movements.length - 1];
        assert.ok(closed.length >= 1 && last?.toAt === null);
        assert.ok(Date.parse(readmitted.admittedAt ?? '') > Date.parse(closed[closed.length - 1]?.toAt ?? ''), 'gap between stays');

        const dead = ps.find((p) => p.tags.includes('deceased'));
        assert.ok(dead?.deceasedAt, `${branch}: deceased`);
        assert.equal(dead.wardCode, null);
        assert.equal(dead.movements[dead.movements.length - 1]?.toAt, dead.deceasedAt);
      }
    });
  });

  it('names of every awkward kind, including five non-Latin scripts', () => {
    check((h) => {
      const tagged = (tag: string): DemoPatient[] => h.patients.filter((p) => p.tags.includes(tag));
      for (const tag of ['apostrophe', 'hyphen', 'diacritics', 'non-latin', 'one-word', 'long-name']) assert.ok(tagged(tag).length > 0, tag);
      const names = h.patients.map(fullName).join(' ');
      for (const script of ['Arabic', 'Han', 'Greek', 'Cyrillic', 'Devanagari']) assert.match(names, new RegExp(`\\p{Script=${script}}`, 'u'), script);
      assert.ok(tagged('one-word').every((p) => p.givenNames.length === 0 && p.familyName.length > 0));
      assert.ok(tagged('long-name').some((p) => p.familyName.length > 60));
      assert.ok(h.patients.some((p) => /['’]/.test(p.familyName)));
      assert.ok(h.patients.some((p) => /[ÀàÇçÉéÖöÜüØøễ]/u.test(fullName(p))));
      assert.ok(h.patients.some((p) => p.sex === 'other') && h.patients.some((p) => p.sex === 'unknown'));
      assert.ok(tagged('leap-day-birth').every((p) => p.birthDate.endsWith('-02-29')));
    });
  });
});

describe('generateDemoHospital: plausibility', () => {
  const h = small(11, 300);

  it('birth dates are real calendar dates in the past, before any stay, ages 0–110', () => {
    for (const p of h.patients) {
      assert.match(p.birthDate, /^\d{4}-\d{2}-\d{2}$/);
      const ms = Date.parse(`${p.birthDate}T00:00:00Z`);
      assert.equal(toIso(ms).slice(0, 10), p.birthDate, `real date ${p.birthDate}`);
      assert.ok(ms < REF && REF - ms < 111 * 365.25 * 864e5, p.birthDate);
      for (const m of p.movements) assert.ok(Date.parse(m.fromAt) > ms);
    }
  });

  it('movements are ordered; only the current stay is open and it matches ward/bed/admittedAt', () => {
    for (const p of h.patients) {
      let prev = -Infinity;
      p.movements.forEach((m, i) => {
        const from = Date.parse(m.fromAt);
        assert.ok(from >= prev && from <= REF);
        if (m.toAt !== null) {
          prev = Date.parse(m.toAt);
          assert.ok(prev > from && prev <= REF);
        } else {
          assert.equal(i, p.movements.length - 1, 'open movement is the last');
        }
      });
      const open = p.movements.find((m) => m.toAt === null);
      assert.equal(open?.wardCode ?? null, p.wardCode);
      assert.equal(open?.bed ?? null, p.bed);
      assert.equal(p.wardCode === null, p.admittedAt === null);
      if (p.deceasedAt) assert.equal(p.wardCode, null);
    }
  });

  it('never puts two current patients in one bed, and only uses real beds', () => {
    const big = generateDemoHospital({ seed: 3, patientsPerBranch: 2000, labsPerPatient: 0 });
    for (const b of big.branches) {
      const inBeds = inBranch(big, b.code).filter((p) => p.wardCode !== null);
      const spots = inBeds.map((p) => `${p.wardCode}/${p.bed}`);
      assert.equal(new Set(spots).size, spots.length);
      const capacity = b.wards.reduce((s, w) => s + w.beds, 0);
      assert.ok(inBeds.length <= capacity && inBeds.length > capacity / 2, `${b.code}: ${inBeds.length}/${capacity}`);
      for (const p of inBeds) assert.ok(b.wards.find((w) => w.code === p.wardCode)?.bedLabels.includes(p.bed ?? ''));
    }
  });
});

describe('generateDemoHospital: lab results', () => {
  const h = small(42, 10);
  const labs = h.labResults;
  const tagged = (tag: string): DemoLabResult[] => labs.filter((r) => r.tags.includes(tag));

  it('property: every code is a well-formed LOINC code from the table, with its display and unit', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 12 }), (seed, n) => {
        for (const r of generateDemoHospital({ seed, patientsPerBranch: n, labsPerPatient: 8 }).labResults) {
          const t = findLabTest(r.loinc);
          assert.ok(t && isWellFormedLoinc(r.loinc), r.loinc);
          assert.equal(r.display, t.display);
          assert.equal(r.unit, t.unit);
        }
        return true;
      }),
      { numRuns: 15 },
    );
  });

  it('interpretation follows the reference range; times are ordered and never after the reference instant', () => {
    for (const r of labs) {
      const t = findLabTest(r.loinc);
      assert.ok(t);
      if (r.value !== null) assert.equal(r.interpretation, interpretLabValue(t, r.value, r.comparator), `${r.loinc} ${r.comparator ?? ''}${r.value}`);
      assert.ok((r.value === null) !== (r.valueString === null), 'exactly one of value / valueString');
      assert.ok(r.effectiveAt < r.issuedAt && r.issuedAt <= REFERENCE_INSTANT, `${r.effectiveAt} ${r.issuedAt}`);
      assert.match(r.key, UUID_V4_PATTERN);
    }
  });

  it('has comparators <0.1 and >500 stored as value + comparator', () => {
    assert.ok(labs.some((r) => r.comparator === '<' && r.value === 0.1 && r.interpretation === 'N'));
    assert.ok(labs.some((r) => r.comparator === '>' && r.value === 500 && r.interpretation === 'H'));
    assert.ok(tagged('comparator').every((r) => r.comparator !== null));
  });

  it('has corrections: a final then a corrected result, same key, test and time', () => {
    const corrected = labs.filter((r) => r.status === 'corrected');
    assert.ok(corrected.length >= 2);
    for (const c of corrected) {
      const original = labs.find((r) => r.key === c.key && r.status !== 'corrected');
      assert.ok(original, `original of ${c.key}`);
      assert.ok(original.tags.includes('superseded') && c.tags.includes('corrected'));
      assert.equal(original.loinc, c.loinc);
      assert.equal(original.effectiveAt, c.effectiveAt);
      assert.ok(original.issuedAt < c.issuedAt);
      assert.notEqual(original.value, c.value);
      assert.ok(labs.indexOf(original) < labs.indexOf(c), 'the original arrives first');
    }
  });

  it('reports glucose both in mmol/L (15074-8) and mg/dL (2345-7) for the same patient', () => {
    const pair = tagged('glucose-units');
    const mmol = pair.find((r) => r.loinc === '15074-8');
    const mg = pair.find((r) => r.loinc === '2345-7' && r.patientKey === mmol?.patientKey);
    assert.ok(mmol?.value && mg?.value && mmol.unit === 'mmol/L' && mg.unit === 'mg/dL');
    assert.ok(Math.abs(mg.value / mmol.value - 18) < 2, 'consistent values');
  });

  it('has results without a reference range, and text results', () => {
    const noRange = tagged('no-reference-range');
    assert.ok(noRange.length > 0 && noRange.every((r) => r.referenceLow === null && r.referenceHigh === null && r.interpretation === null));
    assert.ok(labs.some((r) => r.valueString !== null && r.value === null && r.interpretation === 'A'));
    assert.ok(labs.some((r) => r.loinc === '2823-3' && r.value === null && r.valueString !== null));
    assert.ok(labs.some((r) => r.interpretation === 'LL') && labs.some((r) => r.interpretation === 'HH'));
  });

  it('has duplicates: the same result delivered twice, back to back', () => {
    const dups = tagged('duplicate');
    assert.ok(dups.length >= 2 && dups.length % 2 === 0);
    for (const d of dups) {
      const twins = labs.filter((r) => r.key === d.key && r.status === d.status);
      assert.equal(twins.length, 2);
      assert.deepEqual(twins[0], twins[1]);
      assert.notEqual(twins[0], twins[1], 'distinct objects, so mutating one cannot hide the other');
    }
  });

  it('has results that arrived before the patient record, matchable by MRN', () => {
    const early = tagged('before-patient');
    assert.ok(early.length >= 2);
    for (const r of early) {
      assert.equal(r.patientKey, null);
      const p = h.patients.find((x) => x.mrn === r.subjectMrn && x.branchCode === r.branchCode);
      assert.ok(p, r.subjectMrn);
    }
    const unknown = tagged('unknown-subject');
    assert.equal(unknown.length, 2);
    for (const r of unknown) assert.ok(r.patientKey === null && !h.patients.some((p) => p.mrn === r.subjectMrn));
  });

  it('links every other result to a patient of the same branch whose MRN it carries', () => {
    const byKey = new Map(h.patients.map((p) => [p.key, p]));
    for (const r of labs.filter((x) => x.patientKey !== null)) {
      const p = byKey.get(r.patientKey ?? '');
      assert.ok(p && p.mrn === r.subjectMrn && p.branchCode === r.branchCode);
    }
  });

  it('honours labsPerPatient and defaults to roughly 5–40 per patient', () => {
    const per = (hh: DemoHospital, p: DemoPatient): number => hh.labResults.filter((r) => r.subjectMrn === p.mrn && r.branchCode === p.branchCode).length;
    const fixed = small(8, 20, 12);
    for (const p of fixed.patients) {
      const n = per(fixed, p);
      assert.ok(n >= 12 && n <= 12 + 6, `${p.mrn}: ${n}`);
    }
    const dflt = small(8, 40);
    const counts = dflt.patients.map((p) => per(dflt, p));
    assert.ok(Math.min(...counts) >= 5 && Math.max(...counts) <= 46, `${Math.min(...counts)}..${Math.max(...counts)}`);
    assert.ok(new Set(counts).size > 5, 'varies per patient');
  });

  it('keys are unique except where a result is re-delivered or corrected', () => {
    const groups = groupBy(labs, (r) => r.key);
    for (const g of groups.values()) {
      if (g.length === 1) continue;
      assert.equal(g.length, 2);
      const [a, b] = g;
      assert.ok(a && b && (a.tags.includes('duplicate') || b.status === 'corrected'));
    }
  });
});

describe('generateDemoHospital: medications and referrals', () => {
  const h = small(42, 30);

  it('0–4 medication orders per patient with RxNorm codes from the catalog, every status and intent present', () => {
    const codes = new Set(MEDICATION_CATALOG.map((m) => m.code));
    for (const p of h.patients) assert.ok(h.medications.filter((m) => m.patientKey === p.key).length <= 4);
    for (const m of h.medications) {
      assert.ok(codes.has(m.code) && /^\d{5,8}$/.test(m.code), m.code);
      assert.ok(m.dosageText.length > 0 && m.authoredAt <= REFERENCE_INSTANT);
    }
    assert.ok(h.medications.some((m) => m.code === '197361' && m.display === 'amlodipine 5 MG Oral Tablet'));
    for (const branch of ['north', 'south']) {
      const statuses = new Set(h.medications.filter((m) => m.branchCode === branch).map((m) => m.status));
      assert.deepEqual([...statuses].sort(), ['active', 'completed', 'on-hold', 'stopped']);
    }
    assert.deepEqual([...new Set(h.medications.map((m) => m.intent))].sort(), ['order', 'plan']);
    assert.equal(new Set(h.medications.map((m) => m.key)).size, h.medications.length);
  });

  it('0–4 referrals per patient with valid SNOMED CT codes, every status and priority present', () => {
    for (const r of REFERRAL_CATALOG) assert.ok(verhoeffValid(r.code), `${r.code} fails the SNOMED check digit`);
    assert.ok(!verhoeffValid('306206006'), 'the checker itself rejects a bad id');
    for (const p of h.patients) assert.ok(h.referrals.filter((r) => r.patientKey === p.key).length <= 4);
    for (const branch of ['north', 'south']) {
      const mine = h.referrals.filter((r) => r.branchCode === branch);
      assert.deepEqual([...new Set(mine.map((r) => r.status))].sort(), ['active', 'completed', 'draft', 'revoked']);
      assert.deepEqual([...new Set(mine.map((r) => r.priority))].sort(), ['asap', 'routine', 'stat', 'urgent']);
    }
    for (const r of h.referrals) assert.ok(r.reason.length > 0 && r.category.length > 0 && r.authoredAt <= REFERENCE_INSTANT);
  });
});

describe('generateDemoHospital: scale', () => {
  // Its speed is a benchmark figure (bench/data.ts), not a test: this machine is shared.
  it('builds 5,000 patients per branch with 20 labs each', () => {
    const h = generateDemoHospital({ seed: 1, patientsPerBranch: 5000, labsPerPatient: 20 });
    assert.equal(h.patients.length, 10_000);
    assert.ok(h.labResults.length >= 200_000);
  });
});

describe('rng', () => {
  it('property: same seed and path give the same stream; forks ignore how much the parent consumed', () => {
    fc.assert(
      fc.property(fc.integer(), fc.string(), fc.nat(50), (seed, label, burn) => {
        const a = new Rng(seed);
        const b = new Rng(seed);
        for (let i = 0; i < burn; i++) a.uint32();
        assert.deepEqual(a.fork(label).uuid(), b.fork(label).uuid());
        return new Rng(seed).next() === new Rng(seed).next();
      }),
    );
  });

  it('property: int stays in bounds, shuffle permutes, weighted never picks zero weight, uuid is v4-shaped', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.nat(1000), fc.array(fc.integer(), { maxLength: 30 }), (seed, lo, span, items) => {
        const r = new Rng(seed);
        const x = r.int(lo, lo + span);
        assert.ok(Number.isInteger(x) && x >= lo && x <= lo + span);
        assert.deepEqual(r.shuffle(items).sort((p, q) => p - q), items.slice().sort((p, q) => p - q));
        assert.equal(r.weighted([['never', 0], ['always', 1]]), 'always');
        assert.match(r.uuid(), UUID_V4_PATTERN);
        const f = r.next();
        return f >= 0 && f < 1;
      }),
    );
    assert.throws(() => new Rng(1).pick([]), RangeError);
    assert.throws(() => new Rng(1).int(2, 1), RangeError);
  });

  it('does not repeat uuids across many forked streams', () => {
    const root = new Rng(123);
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) ids.add(root.fork(`p/${i}`).uuid());
    assert.equal(ids.size, 20_000);
  });
});

describe('clock', () => {
  it('skewedClock reads base + skew, then steps; advance and peek do what they say', () => {
    const c = skewedClock('2026-11-01T08:00:00Z', -90_000, 1000);
    assert.equal(c(), '2026-11-01T07:58:30.000Z');
    assert.equal(c(), '2026-11-01T07:58:31.000Z');
    c.advance(60_000);
    assert.equal(c.peek(), '2026-11-01T07:59:32.000Z');
    assert.equal(c.trueNow(), '2026-11-01T08:01:02.000Z');
    assert.equal(c.skewMs, -90_000);
    const frozen = skewedClock(REFERENCE_INSTANT, 5 * 60_000);
    assert.equal(frozen(), frozen());
    assert.throws(() => skewedClock('yesterday', 0), RangeError);
  });

  it('property: toIso matches Date#toISOString for every instant in years 0000–9999', () => {
    fc.assert(fc.property(fc.integer({ min: -62167219200000, max: 253402300799999 }), (ms) => toIso(ms) === new Date(ms).toISOString()), { numRuns: 5000 });
  });

  it('lists DST transitions whose offsets and wall times match the IANA database', () => {
    assert.ok(DST_TRANSITIONS.some((t) => t.zone === 'Europe/Berlin' && t.at === '2026-03-29T01:00:00.000Z'));
    assert.ok(DST_TRANSITIONS.some((t) => t.zone === 'Europe/Berlin' && t.at === '2026-10-25T01:00:00.000Z'));
    const offset = (zone: string, ms: number): string => {
      const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
      return name === 'GMT' ? '+00:00' : name.replace('GMT', '');
    };
    const wall = (zone: string, ms: number): string =>
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(ms);
    for (const t of DST_TRANSITIONS) {
      const at = Date.parse(t.at);
      assert.equal(offset(t.zone, at - 1), t.offsetBefore, `${t.zone} ${t.at} before`);
      assert.equal(offset(t.zone, at), t.offsetAfter, `${t.zone} ${t.at} after`);
      assert.equal(wall(t.zone, at), `${t.localTo}:00`, `${t.zone} wall time after`);
      const [hh, mm] = t.localFrom.split(':').map(Number);
      const justBefore = new Date(Date.UTC(2000, 0, 1, hh, mm) - 1000).toISOString().slice(11, 19);
      assert.equal(wall(t.zone, at - 1000), justBefore, `${t.zone} wall time before`);
      const minutes = (o: string): number => (o.startsWith('-') ? -1 : 1) * (Number(o.slice(1, 3)) * 60 + Number(o.slice(4, 6)));
      assert.equal(t.kind === 'spring-forward', minutes(t.offsetAfter) > minutes(t.offsetBefore), `${t.zone} ${t.kind}`);
    }
  });
});

describe('contract purity', () => {
  it('contract sources import nothing but extension-less relative modules and never use ambient randomness or time', () => {
    const root = new URL('..', import.meta.url).pathname;
    for (const dir of ['demo', 'clinical']) {
      for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
        const src = readFileSync(join(root, dir, file), 'utf8');
        for (const m of src.matchAll(/(?:import|export)[^'";]*?from\s+['"]([^'"]+)['"]/g)) {
          assert.match(m[1] ?? '', /^\.\.?\/[^.]+$/, `${dir}/${file} imports ${m[1]}`);
        }
        assert.doesNotMatch(src, /Math\.random|Date\.now|new Date\(\)|require\(|node:/, `${dir}/${file}`);
      }
    }
  });
});
