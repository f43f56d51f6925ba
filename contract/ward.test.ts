import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDemoHospital } from './demo/hospital';
import { ageInYears, ageSex, lookAlikes, similarFamilyNames } from './ward';

test('age counts whole years, and a leap-day birthday comes on 1 March in other years', () => {
  assert.equal(ageInYears('1984-02-29', new Date('2026-02-28T12:00:00Z')), 41);
  assert.equal(ageInYears('1984-02-29', new Date('2026-03-01T00:00:00Z')), 42);
  assert.equal(ageInYears('2026-10-01', new Date('2026-11-01T00:00:00Z')), 0);
  assert.equal(ageInYears(null, new Date()), null);
  assert.equal(ageInYears('not a date', new Date()), null);
  assert.equal(ageSex({ birthDate: '1950-06-15', sex: 'female' }, new Date('2026-06-15T00:00:00Z')), '76 F');
  assert.equal(ageSex({ birthDate: null, sex: 'unknown' }, new Date()), '— sex unknown');
  assert.equal(ageSex({ birthDate: '1950-06-15', sex: 'other' }, new Date('2026-06-15T00:00:00Z')), '76 sex other');
  // Whatever else a feed carries is not a sex the ward can read: unknown, in words, never "?".
  assert.equal(ageSex({ birthDate: '1950-06-15', sex: '' }, new Date('2026-06-15T00:00:00Z')), '76 sex unknown');
});

test('similar names: folded equal, or one typo apart', () => {
  assert.ok(similarFamilyNames('Meyer', 'Meier'));
  assert.ok(similarFamilyNames('Schäfer', 'Schafer'));
  assert.ok(similarFamilyNames("O'Brien", 'OBrien'));
  assert.ok(similarFamilyNames('Nguyễn', 'NGUYEN'));
  assert.ok(!similarFamilyNames('Li', 'Lu'), 'short names are too often one letter apart');
  assert.ok(!similarFamilyNames('Berger', 'Mensah'));
});

test('look-alikes are found on one ward only, with their reasons', () => {
  const a = { id: 'a', familyName: 'Meyer', birthDate: '1950-01-01', wardId: 1 };
  const b = { id: 'b', familyName: 'Meier', birthDate: '1960-01-01', wardId: 1 };
  const c = { id: 'c', familyName: 'Smith', birthDate: '1950-01-01', wardId: 1 };
  const d = { id: 'd', familyName: 'Meyer', birthDate: '1950-01-01', wardId: 2 };
  const e = { id: 'e', familyName: 'Meyer', birthDate: '1950-01-01', wardId: null };
  const m = lookAlikes([a, b, c, d, e]);
  assert.deepEqual(m.get('a')?.map((x) => [x.other.id, x.reasons]), [['b', ['similar-name']], ['c', ['same-birth-date']]]);
  assert.equal(m.get('d'), undefined);
  assert.equal(m.get('e'), undefined);
});

test("the demo's twins are flagged as look-alikes on their ward, in every seed", () => {
  for (const seed of [1, 2, 3, 20261101]) {
    const h = generateDemoHospital({ seed, patientsPerBranch: 12, labsPerPatient: 0 });
    const wardIds = new Map(h.branches.flatMap((b) => b.wards.map((w, i) => [w.code, i] as const)));
    const patients = h.patients.map((p) => ({ id: p.key, familyName: p.familyName, birthDate: p.birthDate, wardId: p.wardCode ? (wardIds.get(p.wardCode) ?? null) : null, tags: p.tags, branch: p.branchCode }));
    for (const branch of ['north', 'south']) {
      const found = lookAlikes(patients.filter((p) => p.branch === branch));
      const twins = patients.filter((p) => p.branch === branch && p.tags.includes('twin'));
      assert.equal(twins.length, 2, `seed ${seed}`);
      for (const t of twins) assert.ok(found.get(t.id)?.some((x) => x.other.tags.includes('twin') && x.reasons.includes('same-name') && x.reasons.includes('same-birth-date')), `seed ${seed}`);
    }
  }
});
