import assert from 'node:assert/strict';
import { test } from 'node:test';
import { news2, type VitalSigns } from './news2';

/*
 * The published NEWS2 chart (RCP 2017), row by row: each case is a value at a band's edge and
 * the points the chart gives it. Every other parameter is held at a value that scores 0.
 */
const normal: VitalSigns = { respiratoryRate: 16, spo2: 97, spo2Scale: 1, onOxygen: false, systolicBp: 120, pulse: 70, consciousness: 'A', temperature: 37.0 };
const score = (change: Partial<VitalSigns>) => news2({ ...normal, ...change });

test('a normal set scores 0, low', () => {
  assert.deepEqual(score({}), { total: 0, band: 'low', parts: { respiratoryRate: 0, spo2: 0, air: 0, systolicBp: 0, pulse: 0, consciousness: 0, temperature: 0 } });
});

test('respiration rate: ≤8 3, 9–11 1, 12–20 0, 21–24 2, ≥25 3', () => {
  const table: [number, number][] = [[4, 3], [8, 3], [9, 1], [11, 1], [12, 0], [20, 0], [21, 2], [24, 2], [25, 3], [40, 3]];
  for (const [rr, pts] of table) assert.equal(score({ respiratoryRate: rr }).parts.respiratoryRate, pts, `RR ${rr}`);
});

test('SpO2 scale 1: ≤91 3, 92–93 2, 94–95 1, ≥96 0', () => {
  const table: [number, number][] = [[85, 3], [91, 3], [92, 2], [93, 2], [94, 1], [95, 1], [96, 0], [100, 0]];
  for (const [s, pts] of table) {
    assert.equal(score({ spo2: s }).parts.spo2, pts, `SpO2 ${s} air`);
    assert.equal(score({ spo2: s, onOxygen: true }).parts.spo2, pts, `SpO2 ${s} oxygen: scale 1 ignores the oxygen`);
  }
});

test('SpO2 scale 2: ≤83 3, 84–85 2, 86–87 1, 88–92 0, ≥93 on air 0; on oxygen 93–94 1, 95–96 2, ≥97 3', () => {
  const air: [number, number][] = [[80, 3], [83, 3], [84, 2], [85, 2], [86, 1], [87, 1], [88, 0], [92, 0], [93, 0], [97, 0], [100, 0]];
  for (const [s, pts] of air) assert.equal(score({ spo2: s, spo2Scale: 2 }).parts.spo2, pts, `scale 2, ${s} on air`);
  const oxygen: [number, number][] = [[83, 3], [84, 2], [85, 2], [86, 1], [87, 1], [88, 0], [92, 0], [93, 1], [94, 1], [95, 2], [96, 2], [97, 3], [100, 3]];
  for (const [s, pts] of oxygen) assert.equal(score({ spo2: s, spo2Scale: 2, onOxygen: true }).parts.spo2, pts, `scale 2, ${s} on oxygen`);
});

test('air or oxygen: oxygen 2, air 0', () => {
  assert.equal(score({ onOxygen: true }).parts.air, 2);
  assert.equal(score({ onOxygen: false }).parts.air, 0);
});

test('systolic BP: ≤90 3, 91–100 2, 101–110 1, 111–219 0, ≥220 3', () => {
  const table: [number, number][] = [[70, 3], [90, 3], [91, 2], [100, 2], [101, 1], [110, 1], [111, 0], [219, 0], [220, 3], [260, 3]];
  for (const [bp, pts] of table) assert.equal(score({ systolicBp: bp }).parts.systolicBp, pts, `SBP ${bp}`);
});

test('pulse: ≤40 3, 41–50 1, 51–90 0, 91–110 1, 111–130 2, ≥131 3', () => {
  const table: [number, number][] = [[30, 3], [40, 3], [41, 1], [50, 1], [51, 0], [90, 0], [91, 1], [110, 1], [111, 2], [130, 2], [131, 3], [180, 3]];
  for (const [hr, pts] of table) assert.equal(score({ pulse: hr }).parts.pulse, pts, `pulse ${hr}`);
});

test('consciousness: alert 0; new confusion, voice, pain or unresponsive 3', () => {
  assert.equal(score({ consciousness: 'A' }).parts.consciousness, 0);
  for (const c of ['C', 'V', 'P', 'U'] as const) assert.equal(score({ consciousness: c }).parts.consciousness, 3, c);
});

test('temperature: ≤35.0 3, 35.1–36.0 1, 36.1–38.0 0, 38.1–39.0 1, ≥39.1 2', () => {
  const table: [number, number][] = [[34.0, 3], [35.0, 3], [35.1, 1], [36.0, 1], [36.1, 0], [38.0, 0], [38.1, 1], [39.0, 1], [39.1, 2], [41.0, 2]];
  for (const [t, pts] of table) assert.equal(score({ temperature: t }).parts.temperature, pts, `T ${t}`);
});

test('the aggregate and its clinical-risk band', () => {
  assert.deepEqual([score({ pulse: 95 }).total, score({ pulse: 95 }).band], [1, 'low']);
  assert.deepEqual([score({ respiratoryRate: 8 }).total, score({ respiratoryRate: 8 }).band], [3, 'low-medium'], 'a single 3 is low-medium');
  assert.deepEqual([score({ respiratoryRate: 22, pulse: 95, temperature: 38.5, systolicBp: 105 }).total, score({ respiratoryRate: 22, pulse: 95, temperature: 38.5, systolicBp: 105 }).band], [5, 'medium']);
  assert.equal(score({ respiratoryRate: 22, pulse: 115, onOxygen: true }).band, 'medium');
  const septic = score({ respiratoryRate: 26, spo2: 93, onOxygen: true, systolicBp: 95, pulse: 118, consciousness: 'C', temperature: 39.4 });
  assert.deepEqual([septic.total, septic.band], [3 + 2 + 2 + 2 + 2 + 3 + 2, 'high']);
  assert.equal(score({ respiratoryRate: 21, pulse: 111, systolicBp: 105, temperature: 38.1, onOxygen: false, spo2: 95 }).total, 2 + 2 + 1 + 1 + 1);
});
