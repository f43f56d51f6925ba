import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { foldForMatch, locateQuotes, markRanges } from './evidence';

describe('evidence folding and quote location', () => {
  const raw = '\ufeffBP\u00a0142/88,\tHR 96 irreg.\r\nSp\u200bO2 94% RA\u0007\nImp:  ADHF 2° AF.\u001b[31m Plan: furosemide 40 mg IV BD';

  it('folds whitespace, invisible characters and ANSI sequences', () => {
    assert.equal(foldForMatch(raw), 'BP 142/88, HR 96 irreg. SpO2 94% RA Imp: ADHF 2° AF. Plan: furosemide 40 mg IV BD');
    assert.equal(foldForMatch('  \u200b \t'), '');
  });

  it('locates each quote in the raw text, across the debris inside it', () => {
    const [bp, spo2, plan, missing] = locateQuotes(raw, ['BP 142/88, HR 96', 'HR 96 irreg. SpO2 94%', 'AF. Plan:', 'furosemide 80 mg']);
    assert.equal(raw.slice(bp!.start, bp!.end), 'BP\u00a0142/88,\tHR 96');
    assert.equal(raw.slice(spo2!.start, spo2!.end), 'HR 96 irreg.\r\nSp\u200bO2 94%');
    assert.equal(raw.slice(plan!.start, plan!.end), 'AF.\u001b[31m Plan:');
    assert.equal(missing, null);
  });

  it('marks ranges as runs that cover the text exactly once, overlaps merged', () => {
    const runs = markRanges('abcdefgh', [{ start: 5, end: 7 }, { start: 1, end: 3 }, { start: 2, end: 4 }]);
    assert.deepEqual(runs, [
      { text: 'a', marked: false },
      { text: 'bcd', marked: true },
      { text: 'e', marked: false },
      { text: 'fg', marked: true },
      { text: 'h', marked: false },
    ]);
  });

  it('property: a located quote folds to the quote, and any excerpt re-spaced is located', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.nat(), fc.nat(), fc.constantFrom(' ', '\u00a0', '\r\n', '\t', ' \u200b '), (text, a, b, ws) => {
        if (text.normalize('NFC') !== text) return;
        const from = a % text.length;
        const to = from + 1 + (b % (text.length - from));
        const quote = text.slice(from, to).split(/\s+/).join(ws);
        if (foldForMatch(quote).length === 0) return;
        const [at] = locateQuotes(text, [quote]);
        assert.ok(at, 'found');
        assert.equal(foldForMatch(text.slice(at.start, at.end)), foldForMatch(quote));
      }),
      { numRuns: 2000 },
    );
  });
});
