import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoCodeStatuses } from './code-status';
import { generateDemoHospital, REFERENCE_INSTANT } from './hospital';

test('the demo gives most admitted patients a code status, some none; each recorded by a physician of their branch during the stay', () => {
  for (const seed of [1, 7, 20261101]) {
    const hospital = generateDemoHospital({ seed, patientsPerBranch: 60, labsPerPatient: 0 });
    const statuses = demoCodeStatuses(hospital, REFERENCE_INSTANT, seed);
    assert.deepEqual(statuses, demoCodeStatuses(hospital, REFERENCE_INSTANT, seed), 'deterministic for a seed');
    const admitted = hospital.patients.filter((p) => p.admittedAt !== null && p.deceasedAt === null && p.wardCode !== null);
    const share = statuses.length / admitted.length;
    assert.ok(share > 0.6 && share < 0.95, `most, not all, have one: ${share.toFixed(2)}`);
    const byKey = new Map(hospital.patients.map((p) => [p.key, p]));
    for (const c of statuses) {
      const p = byKey.get(c.patientKey)!;
      assert.ok(admitted.includes(p), 'only patients on a ward now');
      assert.equal(c.branchCode, p.branchCode);
      assert.equal(c.status === 'limitations', c.limitations !== null, 'limitations come with their wording');
      const at = Date.parse(c.recordedAt);
      assert.ok(at >= Date.parse(p.admittedAt!) && at < Date.parse(REFERENCE_INSTANT), 'recorded during the stay, before now');
      assert.ok(hospital.users.some((u) => u.username === c.recordedByUsername && u.roles.some((r) => r.branchCode === c.branchCode && r.role === 'physician')));
    }
    assert.ok(new Set(statuses.map((c) => c.status)).size === 3, 'full code, DNACPR and limitations all occur');
  }
});
