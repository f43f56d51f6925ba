import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { GeneratedSoap } from '../../contract/soap';
import { checkEvidence, countUnsupported, evidenceIndex } from './evidence';
import { canonicalJson, contentHash } from './hash';
import { foldForMatch } from './text';

const soap = (quotes: string[][]): GeneratedSoap => ({
  subjective: quotes.map((q, i) => ({ text: `statement ${i}`, quotes: q })),
  objective: [],
  assessment: [],
  plan: [],
});

describe('evidence check', () => {
  const raw = '\ufeffBP\u00a0142/88,\tHR 96 irreg.\r\nSp\u200bO2 94% RA\u0007\nImp:  ADHF 2° AF.\u2028Plan: furosemide 40 mg IV BD';

  it('matches quotes whitespace-insensitively, through NBSP, zero-width, CRLF, tabs and control characters', () => {
    const index = evidenceIndex(raw);
    for (const q of ['BP 142/88, HR 96 irreg.', 'BP 142/88,  HR 96 irreg. SpO2 94% RA', '  ADHF 2° AF.  Plan:', 'SpO2 94% RA', 'HR 96 irreg.\nSpO2']) assert.ok(index.has(q), JSON.stringify(q));
    for (const q of ['BP 142/89', 'adhf 2° af', 'furosemide 80 mg IV BD', '', '   ', '\u200b']) assert.ok(!index.has(q), JSON.stringify(q));
  });

  it('a statement is supported only if every quote is found', () => {
    const checked = checkEvidence(raw, soap([['BP 142/88'], ['BP 142/88', 'not in the note'], ['SpO2 94%']]));
    assert.deepEqual(checked.subjective.map((s) => s.supported), [true, false, true]);
    assert.equal(countUnsupported(checked), 1);
  });

  it('property: any excerpt of a note, re-spaced, is found; a changed character is not', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.nat(), fc.nat(), fc.constantFrom(' ', '\u00a0', '\r\n', '\t', ' \u200b '), (text, a, b, ws) => {
        const from = a % text.length;
        const to = from + 1 + (b % (text.length - from));
        const excerpt = text.slice(from, to);
        if (foldForMatch(excerpt).length === 0) return;
        const respaced = excerpt.split(/\s+/).join(ws);
        assert.ok(evidenceIndex(text).has(respaced));
        assert.ok(!evidenceIndex(text).has(`${excerpt}\u0394\u0394unlikely`) || text.includes('\u0394\u0394unlikely'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('content hash', () => {
  it('is canonical: key order does not matter, content does', () => {
    const a = checkEvidence('Cough.', soap([['Cough.']]));
    const reordered = { plan: [], assessment: [], objective: [], subjective: [{ supported: true, quotes: ['Cough.'], text: 'statement 0' }] };
    assert.equal(contentHash(a), contentHash(reordered));
    assert.match(contentHash(a), /^sha256:[0-9a-f]{64}$/);
    const edited = structuredClone(a);
    edited.subjective[0]!.text = 'statement 0 (edited)';
    assert.notEqual(contentHash(edited), contentHash(a));
    assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'] }), '{"a":[true,null,"x"],"b":1}');
  });
});
