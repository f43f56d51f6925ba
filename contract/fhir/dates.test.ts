import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseDateSpan, splitDatePrefix } from './dates';

test('a search date names the whole span of its precision', () => {
  assert.deepEqual(parseDateSpan('2024'), { start: Date.UTC(2024, 0, 1), end: Date.UTC(2025, 0, 1) });
  assert.deepEqual(parseDateSpan('2024-02'), { start: Date.UTC(2024, 1, 1), end: Date.UTC(2024, 2, 1) });
  assert.deepEqual(parseDateSpan('2024-02-29'), { start: Date.UTC(2024, 1, 29), end: Date.UTC(2024, 2, 1) });
  assert.deepEqual(parseDateSpan('2024-02-29T10:15'), { start: Date.UTC(2024, 1, 29, 10, 15), end: Date.UTC(2024, 1, 29, 10, 16) });
  assert.deepEqual(parseDateSpan('2024-02-29T10:15:30+02:00'), { start: Date.UTC(2024, 1, 29, 8, 15, 30), end: Date.UTC(2024, 1, 29, 8, 15, 31) });
  for (const bad of ['2023-02-29', '2024-13', '2024-1-01', '24', 'today', '2024-02-29T25:00', '', '2024-02-29T10:15+15:00']) assert.equal(parseDateSpan(bad), null, bad);
});

test('prefixes split off only before a digit', () => {
  assert.deepEqual(splitDatePrefix('ge2024-01-01'), { prefix: 'ge', value: '2024-01-01' });
  assert.deepEqual(splitDatePrefix('2024'), { prefix: 'eq', value: '2024' });
  assert.deepEqual(splitDatePrefix('gex'), { prefix: 'eq', value: 'gex' });
});

test('every valid instant lies inside the span of its own day', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (d) => {
      const day = parseDateSpan(d.toISOString().slice(0, 10))!;
      const instant = parseDateSpan(d.toISOString())!;
      return day.start <= instant.start && instant.end <= day.end;
    }),
  );
});
