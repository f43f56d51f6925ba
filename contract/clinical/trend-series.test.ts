import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trendSeries } from './trend-series';

test('a blood-pressure panel trends systolic and diastolic as series of their own; labs by code', () => {
  const bp = (at: string, sys: number, dia: number) => ({
    loinc: '85354-9',
    display: 'Blood pressure panel',
    value_num: null,
    effective_at: at,
    components: [
      { code: '8480-6', system: 'http://loinc.org', display: 'Systolic blood pressure', value_num: sys, unit: 'mm[Hg]' },
      { code: '8462-4', system: 'http://loinc.org', display: 'Diastolic blood pressure', value_num: dia, unit: 'mm[Hg]' },
    ],
  });
  const series = trendSeries([
    bp('2026-11-30T08:00:00Z', 150, 95),
    bp('2026-11-29T08:00:00Z', 142, 91),
    { loinc: '2345-7', display: 'Glucose', value_num: '5.4', unit: 'mmol/L', ref_low: '3.9', ref_high: '5.5', effective_at: '2026-11-29T07:00:00Z' },
    { loinc: '72166-2', display: 'Smoking status', value_num: null, value_text: 'Never smoker', effective_at: '2026-11-29T07:00:00Z' },
  ]);
  assert.deepEqual([...series.keys()].sort(), ['2345-7', '8462-4', '8480-6']);
  assert.deepEqual(series.get('8480-6')!.points.map((p) => p.value), [142, 150], 'systolic, oldest first');
  assert.deepEqual(series.get('8462-4')!.points.map((p) => p.value), [91, 95]);
  assert.equal(series.get('8480-6')!.unit, 'mm[Hg]');
  assert.equal(series.get('8480-6')!.display, 'Systolic blood pressure');
  assert.deepEqual(series.get('2345-7')!.points[0], { t: Date.parse('2026-11-29T07:00:00Z') / 1000, value: 5.4, low: 3.9, high: 5.5 });
});
