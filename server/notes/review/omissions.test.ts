import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReviewSections } from '../../../contract/notes';
import { findOmissions } from './omissions';
import { readDates } from './wrong-patient';

const statement = (text: string, quotes: string[]) => ({ text, quotes, supported: true, review: { editedText: null, accepted: false, removed: false } });
const sections = (quotes: string[]): ReviewSections => ({ subjective: quotes.map((q) => statement(q, [q])), objective: [], assessment: [], plan: [] });

describe('omission check', () => {
  const raw = 'Allergies: latex (urticaria).\nOn  bisoprolol 2.5 mg\u00a0daily.\nNo chest pain.\nWalked to the shop.\nPlan: repeat ECG.';

  it('lists clinical sentences whose clinical words no quote covers, with why', () => {
    const found = findOmissions(raw, sections(['On bisoprolol 2.5 mg daily.']));
    assert.deepEqual(found.map((o) => [o.text, o.reasons]), [
      ['Allergies: latex (urticaria).', ['allergy', 'drug']],
      ['No chest pain.', ['negation']],
    ]);
    assert.ok(found.every((o) => /^[0-9a-f]{16}$/.test(o.key)));
  });

  it('a quote that keeps the drug but drops the dose leaves the sentence out; a dropped label too', () => {
    const found = findOmissions(raw, sections(['bisoprolol', 'latex (urticaria).', 'No chest pain.']));
    assert.deepEqual(found.map((o) => o.text), ['Allergies: latex (urticaria).', 'On bisoprolol 2.5 mg daily.']);
  });

  it('nothing is left out when every clinical sentence is quoted; a section heading need not be', () => {
    assert.deepEqual(findOmissions(raw, sections(['Allergies: latex (urticaria).', 'bisoprolol 2.5 mg daily', 'No chest pain.'])), []);
    assert.deepEqual(findOmissions('Diagnosis: gout.', sections(['gout.'])), [], '"Diagnosis:" is a heading, not content');
    const dismissed = findOmissions(raw, sections([]), new Set([findOmissions(raw, sections([]))[0]!.key]));
    assert.equal(dismissed[0]!.dismissed, true);
  });
});

describe('birth dates as written', () => {
  it('reads the usual forms, both day-month orders where ambiguous', () => {
    assert.deepEqual(readDates('1950-03-12'), ['1950-03-12']);
    assert.deepEqual(readDates('12/03/1950'), ['1950-03-12', '1950-12-03']);
    assert.deepEqual(readDates('12 March 1950'), ['1950-03-12']);
    assert.deepEqual(readDates('March 12, 1950'), ['1950-03-12']);
    assert.deepEqual(readDates('31/31/1950'), []);
  });
});

describe('omission check in the other languages of our wards', () => {
  it('finds a left-out allergy or negation in German, Spanish, French and Arabic', () => {
    for (const sentence of ['Allergie gegen Penicillin.', 'Alergia a la penicilina.', 'Pas de douleur thoracique.', 'لا يوجد ألم في الصدر.']) {
      const raw = `Seen today.\n${sentence}`;
      assert.deepEqual(findOmissions(raw, sections(['Seen today.'])).map((o) => o.text), [sentence], sentence);
    }
  });
});
