import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FhirError } from './errors';
import { MAX_COUNT, parseSearch, SEARCH_PARAMS } from './search';

const parse = (type: 'Patient' | 'Observation', q: string) => parseSearch(type, new URLSearchParams(q));

test('parameters parse into typed values; commas OR, repeats AND', () => {
  const r = parse('Observation', 'patient=Patient/abc&code=http://loinc.org|2345-7,718-7&date=ge2024-01-01&date=lt2025&_count=10&_include=Observation:patient');
  assert.equal(r.count, 10);
  assert.equal(r.include, true);
  assert.deepEqual(r.params.find((p) => p.name === 'patient')!.values, [{ type: 'Patient', id: 'abc' }]);
  assert.deepEqual(r.params.find((p) => p.name === 'code')!.values, [{ system: 'http://loinc.org', code: '2345-7' }, { system: undefined, code: '718-7' }]);
  assert.equal(r.params.filter((p) => p.name === 'date').length, 2);
  assert.equal(parse('Patient', 'family=a\\,b').params[0]!.values.length, 1, 'an escaped comma is part of the value');
});

test('the canonical query ignores order and the cursor', () => {
  assert.equal(parse('Patient', 'gender=male&family=x&_cursor=abc').canonical, parse('Patient', 'family=x&gender=male').canonical);
  assert.equal(parse('Patient', '_count=100000').count, MAX_COUNT);
});

test('unsupported parameters, modifiers and prefixes are refused, not ignored', () => {
  for (const q of ['foo=1', 'family:contains=x', 'birthdate=ne2020', 'birthdate=2020-13', '_sort=family', '_summary=everything', '_include=Patient:link', '_count=-1', 'family=', `family=${'x'.repeat(300)}`, 'family=%00']) {
    assert.throws(() => parse('Patient', q), (e) => e instanceof FhirError && e.status >= 400 && e.status < 500, q);
  }
});

test('any query string either parses or is refused with a 4xx, never anything else', () => {
  const names = [...Object.keys(SEARCH_PARAMS.Observation), '_count', '_include', '_summary', 'x', 'code:exact'];
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...names), fc.string({ maxLength: 30 })), { maxLength: 6 }), (pairs) => {
      try {
        parseSearch('Observation', new URLSearchParams(pairs));
        return true;
      } catch (e) {
        return e instanceof FhirError && e.status >= 400 && e.status < 500;
      }
    }),
    { numRuns: 2000 },
  );
});
