import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseUpdateInfo } from 'electron-updater/out/providers/Provider';
import { offerFor, updateInfoYaml, type Release, type Rollout } from './feed';
import { haltReason, summarize } from './health';
import { ringHolds, stationBucket, type Ring } from './rings';

const sha = (s: string) => createHash('sha512').update(s).digest('base64');
const rel = (id: number, version: string, notes = ''): Release => ({
  id,
  channel: 'stable',
  version,
  notes,
  releaseDate: new Date('2026-11-25T08:00:00Z'),
  files: [
    { platform: 'linux', url: `files/WardStation-${version}.deb`, sha512: sha(version), size: 123 },
    { platform: 'win', url: `https://artifacts.example/WardStation Setup ${version}.exe`, sha512: sha(`w${version}`), size: 456 },
  ],
});
const ring = (r: Partial<Ring> & Pick<Ring, 'position' | 'kind'>): Ring => ({ id: r.position, channel: 'stable', name: `r${r.position}`, branchId: null, stationIds: [], wardIds: [], percent: null, ...r });
const station = (id: string, branchId = 1, wardId = 10) => ({ id, branchId, wardId });

test('the YAML is what electron-updater\'s own parser reads back, quotes and notes included', () => {
  const notes = 'Fixes: "quotes", colons: yes\nand a second line # not a comment';
  const yml = updateInfoYaml(rel(1, '1.2.0', notes), 'win')!;
  const info = parseUpdateInfo(yml, 'latest.yml', new URL('https://server.example/updates/stable/latest.yml'));
  assert.equal(info.version, '1.2.0');
  assert.deepEqual(info.files, [{ url: 'https://artifacts.example/WardStation Setup 1.2.0.exe', sha512: sha('w1.2.0'), size: 456 }]);
  assert.equal(info.path, 'https://artifacts.example/WardStation Setup 1.2.0.exe');
  assert.equal(info.sha512, sha('w1.2.0'));
  assert.equal(info.releaseDate, '2026-11-25T08:00:00.000Z');
  assert.equal(info.releaseNotes, notes);
  assert.equal(updateInfoYaml(rel(1, '1.2.0'), 'mac'), null, 'no file for the platform: nothing to offer');
});

test('offers: reached rings get the candidate, others the baseline, everyone the baseline after rollback', () => {
  const rings = [ring({ position: 1, kind: 'stations', stationIds: ['a'] }), ring({ position: 2, kind: 'wards', branchId: 1, wardIds: [11] }), ring({ position: 3, kind: 'everyone' })];
  const rollout = (ringPosition: number, state: Rollout['state'] = 'active'): Rollout => ({ id: 1, channel: 'stable', release: rel(2, '1.1.0'), baseline: rel(1, '1.0.0'), ringPosition, state, scopeBranchId: null });
  assert.equal(offerFor(rollout(1), rings, station('a'))!.version, '1.1.0');
  assert.equal(offerFor(rollout(1), rings, station('b', 1, 11))!.version, '1.0.0');
  assert.equal(offerFor(rollout(2), rings, station('b', 1, 11))!.version, '1.1.0');
  assert.equal(offerFor(rollout(2), rings, station('c', 2, 11))!.version, '1.0.0', 'a ward ring is bound to its branch');
  assert.equal(offerFor(rollout(3, 'halted'), rings, station('c', 2))!.version, '1.1.0', 'a halt stops the rollout where it is');
  assert.equal(offerFor(rollout(3, 'rolled_back'), rings, station('a'))!.version, '1.0.0');
  assert.equal(offerFor(null, rings, station('a')), null);
});

test('a percentage ring is stable and nested: a station in 10% is in every larger percentage', () => {
  fc.assert(
    fc.property(fc.uuid(), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (id, p, q) => {
      const [lo, hi] = p <= q ? [p, q] : [q, p];
      const inLo = ringHolds(ring({ position: 1, kind: 'percent', branchId: 1, percent: lo }), station(id));
      const inHi = ringHolds(ring({ position: 1, kind: 'percent', branchId: 1, percent: hi }), station(id));
      assert.ok(!inLo || inHi);
      assert.equal(ringHolds(ring({ position: 1, kind: 'percent', branchId: 1, percent: 100 }), station(id)), true);
      assert.equal(ringHolds(ring({ position: 1, kind: 'percent', branchId: 1, percent: 0 }), station(id)), false);
    }),
  );
  const ids = Array.from({ length: 4000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const share = ids.filter((id) => stationBucket(id) < 25).length / ids.length;
  assert.ok(share > 0.22 && share < 0.28, `25% ring holds ${share}`);
});

test('the health gate: halts only past both the ratio and the floor, with enough stations', () => {
  const t = { maxErrorRatio: 2, minErrorRate: 1, minStations: 3 };
  const sample = (n: number, incidents: number) => Array.from({ length: n }, (_, i) => ({ stationId: `s${i}`, uptimeSeconds: 3600, incidents }));
  const old = summarize('1.0.0', sample(10, 1)); // 1 per station-hour
  assert.equal(haltReason(summarize('1.1.0', sample(5, 2)), old, t), null, 'exactly 2x is not past the ratio');
  assert.match(haltReason(summarize('1.1.0', sample(5, 3)), old, t)!, /exceeds 2x/);
  assert.equal(haltReason(summarize('1.1.0', sample(2, 50)), old, t), null, 'too few stations for a verdict');
  const quiet = summarize('1.0.0', sample(10, 0));
  assert.equal(haltReason(summarize('1.1.0', sample(5, 1)), quiet, t), null, 'at the floor: not halted');
  assert.ok(haltReason(summarize('1.1.0', sample(5, 2)), null, t), 'no baseline: judged against zero');
});
