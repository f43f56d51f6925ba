import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EDGE_NOTE_KINDS, LONG_NOTE_WORDS, generateRawNotes, type DemoNote } from './notes';
import { UUID_V4_PATTERN } from './rng';

const words = (text: string): string[] => text.split(/\s+/).filter((w) => w.length > 0);
const notes = generateRawNotes({ seed: 7, count: 40 });
const byTag = (tag: string, list: readonly DemoNote[] = notes): DemoNote[] => list.filter((n) => n.tags.includes(tag));
const one = (tag: string): DemoNote => {
  const found = byTag(tag);
  assert.equal(found.length, 1, tag);
  return found[0] as DemoNote;
};

describe('generateRawNotes', () => {
  it('returns exactly `count` notes with unique UUID keys', () => {
    assert.equal(notes.length, 40);
    assert.equal(new Set(notes.map((n) => n.key)).size, 40);
    for (const n of notes) assert.match(n.key, UUID_V4_PATTERN);
    assert.deepEqual(generateRawNotes({ count: 0 }), []);
    assert.throws(() => generateRawNotes({ count: -1 }), RangeError);
    assert.throws(() => generateRawNotes({ count: 2.5 }), RangeError);
  });

  it('property: same seed → identical notes; different seeds → different notes', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.integer({ min: 1, max: 12 }), (s1, s2, count) => {
        assert.deepEqual(generateRawNotes({ seed: s1, count }), generateRawNotes({ seed: s1, count }));
        if (s1 >>> 0 !== s2 >>> 0) {
          assert.notDeepEqual(generateRawNotes({ seed: s1, count }).map((n) => n.text), generateRawNotes({ seed: s2, count }).map((n) => n.text));
        }
        return true;
      }),
      { numRuns: 30 },
    );
  });

  it('property: every edge kind appears exactly once from 9 notes on; smaller batches stay at least half ordinary', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 30 }), (seed, count) => {
        const list = generateRawNotes({ seed, count });
        const edges = list.filter((n) => !n.tags.includes('ordinary'));
        if (count >= EDGE_NOTE_KINDS.length) {
          for (const kind of EDGE_NOTE_KINDS) assert.equal(byTag(kind, list).length, 1, kind);
        } else {
          assert.equal(edges.length, Math.floor(count / 2));
        }
        return true;
      }),
      { numRuns: 20 },
    );
  });

  it('ordinary notes read like a ward round: vitals, findings, impression and plan', () => {
    const ordinary = byTag('ordinary');
    assert.ok(ordinary.length >= 30);
    for (const n of ordinary) {
      assert.equal(n.language, 'en');
      assert.match(n.text, /BP \d{2,3}\/\d{2,3}, HR \d+/);
      assert.match(n.text, /SpO2 \d+%/);
      assert.match(n.text, /(Plan:|P: )/);
      assert.match(n.text, /(Impression:|A: |Seen on WR)/);
      assert.ok(words(n.text).length > 40);
    }
    assert.ok(new Set(ordinary.map((n) => n.text.slice(0, 12))).size > 3, 'several layouts and openings');
  });

  it('has a one-word note and a ~10,000-word note', () => {
    assert.equal(words(one('one-word').text).length, 1);
    const long = words(one('very-long').text).length;
    assert.ok(long >= LONG_NOTE_WORDS && long < LONG_NOTE_WORDS * 1.05, `${long} words`);
  });

  it('has German, Spanish, French and Arabic-script notes', () => {
    assert.equal(one('german').language, 'de');
    assert.match(one('german').text, /Visite.*(Beurteilung|Procedere)/s);
    assert.match(one('german').text, /\d+,\d+ °C/, 'decimal comma');
    assert.equal(one('spanish').language, 'es');
    assert.match(one('spanish').text, /Juicio clínico/);
    assert.equal(one('french').language, 'fr');
    assert.match(one('french').text, /Conclusion\u00a0:/);
    const ar = one('arabic');
    assert.equal(ar.language, 'ar');
    assert.ok(ar.tags.includes('rtl'));
    const arabicLetters = [...ar.text].filter((ch) => /\p{Script=Arabic}/u.test(ch)).length;
    assert.ok(arabicLetters > ar.text.length / 3, 'mostly Arabic script');
    assert.match(ar.text, /[٠-٩]/, 'Arabic-Indic digits');
    assert.match(ar.text, /mg\/dL/, 'Latin units embedded: bidi text');
  });

  it('has a note dense with ward abbreviations', () => {
    const text = one('abbreviations').text;
    for (const token of ['SOB', 'BP 142/88', 'HR 96', 'SpO2 94% RA', 'T 38.2 °C', 'Cr 1.4 mg/dL', 'K+ 5.6 mmol/L', 'q8h', 'PRN', 's/p CABG']) {
      assert.ok(text.includes(token), token);
    }
  });

  it('property: has notes pasted with odd whitespace and control characters', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const list = generateRawNotes({ seed, count: EDGE_NOTE_KINDS.length });
        const ws = byTag('odd-whitespace', list)[0]?.text ?? '';
        for (const ch of ['\t', '\r\n', '\u00a0', '\u200b', '\ufeff']) assert.ok(ws.includes(ch), JSON.stringify(ch));
        assert.match(ws, /[ \t]\r\n/, 'trailing whitespace before CRLF');
        const cc = byTag('control-characters', list)[0]?.text ?? '';
        return cc.includes('\u0007') && cc.includes('\u0000');
      }),
      { numRuns: 15 },
    );
    for (const n of notes) {
      if (n.tags.includes('control-characters')) continue;
      const control = [...n.text].some((ch) => {
        const c = ch.charCodeAt(0);
        return c < 9 || (c > 13 && c < 32);
      });
      assert.equal(control, false, `${n.tags.join(',')} must stay clean`);
    }
  });

  it('produces bulk fixtures (2,000 notes) with distinct keys', () => {
    const notes = generateRawNotes({ seed: 1, count: 2000 });
    assert.equal(notes.length, 2000);
    assert.equal(new Set(notes.map((n) => n.key)).size, 2000);
  });
});
