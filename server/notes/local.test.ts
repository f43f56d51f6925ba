import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EDGE_NOTE_KINDS, generateRawNotes, LONG_NOTE_WORDS } from '../../contract/demo/notes';
import { SOAP_SECTIONS } from '../../contract/soap';
import { checkEvidence } from './evidence';
import { structureLocally, structureSpans } from './local';
import { ignorableMask } from './text';

/** The structurer's promise: every content character lands in exactly one statement of one section, quoted exactly. */
function assertRestructuresAndDropsNothing(raw: string): void {
  const spans = structureSpans(raw);
  const mask = ignorableMask(raw);
  const owner = new Int32Array(raw.length).fill(-1);
  let last = 0;
  spans.forEach((s, k) => {
    assert.ok(s.start >= last && s.end > s.start, `span ${k} in order and non-empty`);
    last = s.end;
    assert.equal(s.quote, raw.slice(s.start, s.end), 'the quote is the exact source');
    assert.ok(s.text.length > 0, 'a statement has text');
    for (let i = s.start; i < s.end; i++) owner[i] = k;
  });
  for (let i = 0; i < raw.length; i++) {
    if (!mask[i] && owner[i] === -1) assert.fail(`content at ${i} (${JSON.stringify(raw.slice(Math.max(0, i - 10), i + 10))}) is in no statement`);
  }
  const soap = structureLocally(raw);
  const placed = SOAP_SECTIONS.reduce((n, s) => n + soap[s].length, 0);
  assert.equal(placed, spans.length, 'each statement in exactly one section');
  const checked = checkEvidence(raw, soap);
  assert.ok(SOAP_SECTIONS.every((s) => checked[s].every((st) => st.supported)), 'every local statement is supported by its own quote');
}

const FRAGMENTS = [
  'Plan:', 'S:', 'O/E:', 'Exam\u00a0:', 'BP 142/88', 'HR 96', 'Cr 1.4 mg/dL', 'q8h', 'b.i.d.', 'Dr.', 'E. coli', '1)', '2)', '- ', '• ',
  'Cough', 'improving', 'continue', 'furosemide 40 mg IV BD', '?LRTI', 'محمد', 'fièvre', 'Husten', '王', '😀',
  ' ', '  ', '\n', '\r\n', '\r', '\t', '\u00a0', '\u202f', '\u200b', '\ufeff', '\u2028', '\u0000', '\u0007', '\u001b[0m', '\b', '\f',
  '.', '. ', ';', '; ', '!', '?', ':', '...', '…', '(', ')', '"', '—',
];

describe('local structurer', () => {
  it('property: restructures and drops nothing, for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (raw) => assertRestructuresAndDropsNothing(raw)), { numRuns: 300 });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 }), (parts) => assertRestructuresAndDropsNothing(parts.join(''))),
      { numRuns: 500 },
    );
    // Lone surrogates (broken paste) are content too.
    assertRestructuresAndDropsNothing('a\ud800\nb\udc00.\n\ud83d');
  });

  it("property: the generator's notes, every edge kind, restructured whole", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const notes = generateRawNotes({ seed, count: EDGE_NOTE_KINDS.length + 2 });
        for (const n of notes) if (!n.tags.includes('very-long')) assertRestructuresAndDropsNothing(n.text);
      }),
      { numRuns: 25 },
    );
  });

  it('edge notes: one word, ten thousand words, four languages, abbreviations, debris', () => {
    const notes = generateRawNotes({ seed: 7, count: EDGE_NOTE_KINDS.length });
    const byTag = (t: string) => notes.find((n) => n.tags.includes(t))!.text;

    const one = byTag('one-word');
    assertRestructuresAndDropsNothing(one);
    assert.equal(structureSpans(one).length, 1);

    const long = byTag('very-long');
    assert.ok(long.split(/\s+/).length >= LONG_NOTE_WORDS);
    assertRestructuresAndDropsNothing(long);
    const longSoap = structureLocally(long);
    assert.ok(SOAP_SECTIONS.every((s) => longSoap[s].length > 50), 'a month of notes fills every section');

    for (const lang of ['german', 'spanish', 'french', 'arabic']) {
      const text = byTag(lang);
      assertRestructuresAndDropsNothing(text);
      const soap = structureLocally(text);
      assert.ok(SOAP_SECTIONS.every((s) => soap[s].length > 0), `${lang}: every section found`);
    }

    const abbr = byTag('abbreviations');
    assertRestructuresAndDropsNothing(abbr);
    const spans = structureSpans(abbr);
    const holding = (token: string) => spans.filter((s) => s.quote.includes(token));
    for (const token of ['Co-amoxiclav 1.2 g IV q8h, paracetamol 1 g PO q6h PRN', 'Cr 1.4 mg/dL (baseline 1.1)', 'DNACPR d/w pt & family']) {
      assert.equal(holding(token).length, 1, `"${token}" stays within one statement`);
    }
    assert.equal(holding('BP 142/88')[0]?.section, 'objective');
    assert.equal(holding('furosemide 40 mg IV BD')[0]?.section, 'plan');
    assert.ok(spans.some((s) => /^Dr\. \S/.test(s.quote)), '"Dr." does not end a sentence');

    for (const t of ['odd-whitespace', 'control-characters']) {
      const text = byTag(t);
      assertRestructuresAndDropsNothing(text);
      // eslint-disable-next-line no-control-regex -- control characters are exactly what must not remain
      for (const s of structureSpans(text)) assert.doesNotMatch(s.text, /[\u0000-\u0008\u000b-\u001f\u200b\ufeff\u00a0]/, 'statement text is clean');
    }
  });

  it('splits sentences, bullets and clauses, and keeps abbreviations and numbers whole', () => {
    const texts = (raw: string) => structureSpans(raw).map((s) => s.text);
    assert.deepEqual(texts('Amoxicillin 500 mg b.i.d. for 5 days. Dr. Smith to review.'), ['Amoxicillin 500 mg b.i.d. for 5 days.', 'Dr. Smith to review.']);
    assert.deepEqual(texts('Cr 1.4 mg/dL. K 5.1 mmol/L.'), ['Cr 1.4 mg/dL.', 'K 5.1 mmol/L.']);
    assert.deepEqual(texts('Plan:\n- IV fluids\n- repeat U&E'), ['IV fluids', 'repeat U&E']);
    assert.deepEqual(texts('P: 1) continue ceftriaxone 2) chase cultures'), ['continue ceftriaxone', 'chase cultures']);
    assert.deepEqual(texts('Hold ramipril; rpt U&E in 6 h'), ['Hold ramipril', 'rpt U&E in 6 h'], 'no trailing semicolon in the statement');
    assert.deepEqual(texts('E. coli grew in blood cultures. Temp. 38,2 °C.'), ['E. coli grew in blood cultures.', 'Temp. 38,2 °C.']);
  });

  it('sorts by heading first, then by wording', () => {
    const sections = (raw: string) => structureSpans(raw).map((s) => s.section[0]);
    assert.deepEqual(sections('S: feels well\nO: BP 120/80\nA: improving\nP: home tomorrow'), ['s', 'o', 'a', 'p']);
    assert.deepEqual(
      sections('Complains of cough for 3 days. BP 150/90, HR 101. Likely community-acquired pneumonia. Start amoxicillin 1 g PO TDS.'),
      ['s', 'o', 'a', 'p'],
    );
    assert.deepEqual(sections('Impression:\nAKI\nSepsis\n\nCough settled.'), ['a', 'a', 'a'], 'a section heading governs every block up to the next heading');
    assert.deepEqual(sections('Obs: T 37.9, HR 104\nFeels tired, poor appetite for a week'), ['o', 's'], 'a ward label governs its own line');
  });

  it('keeps clinical labels in the statement, and the quote verbatim', () => {
    const raw = 'Allergies: penicillin (anaphylaxis).\nFHx: father had a stroke at 61.\nMeds: bisoprolol 2.5 mg daily;\nStopped: naproxen,\nPlan: repeat ECG tomorrow.';
    const spans = structureSpans(raw);
    assert.deepEqual(
      spans.map((s) => s.text),
      ['Allergies: penicillin (anaphylaxis).', 'FHx: father had a stroke at 61.', 'Meds: bisoprolol 2.5 mg daily', 'Stopped: naproxen', 'repeat ECG tomorrow.'],
      'labels kept ("Plan:" only names the section), no trailing ";" or ","',
    );
    assert.equal(spans[0]!.section, 'subjective');
    assert.equal(spans[2]!.quote, 'Meds: bisoprolol 2.5 mg daily;', 'the quote stays verbatim');
    assertRestructuresAndDropsNothing(raw);
    // A label standing over a list is carried into each item.
    const list = structureSpans('ALLERGIES:\n1. Sulfa drugs (rash).\n2. Latex.\n\nSOCIAL HISTORY: Retired welder.');
    assert.deepEqual(list.map((s) => s.text), ['ALLERGIES: Sulfa drugs (rash).', 'ALLERGIES: Latex.', 'SOCIAL HISTORY: Retired welder.']);
    assert.ok(list.every((s) => s.section === 'subjective'));
  });

  it('unwraps hard-wrapped prose and keeps numbered items whole', () => {
    const wrapped = [
      'HISTORY OF PRESENT ILLNESS: This 58-year-old teacher describes three weeks of',
      'worsening exertional breathlessness, now after a single flight of stairs, with',
      'two pillows at night and swollen ankles by the evening.',
      '',
      'PLAN:',
      '1. Furosemide 40 mg by mouth each morning, with a weight diary; call if the',
      'weight rises by more than 2 kg in three days.',
      '2. Echocardiogram and BNP. Review in clinic in 2 weeks.',
    ].join('\n');
    const spans = structureSpans(wrapped);
    assert.equal(spans.length, 3, 'one wrapped sentence, two numbered items');
    assert.match(spans[0]!.text, /^HISTORY OF PRESENT ILLNESS: This 58-year-old .* by the evening\.$/);
    assert.equal(spans[0]!.section, 'subjective');
    assert.equal(spans[1]!.text, 'Furosemide 40 mg by mouth each morning, with a weight diary; call if the weight rises by more than 2 kg in three days.');
    assert.equal(spans[2]!.text, 'Echocardiogram and BNP. Review in clinic in 2 weeks.', 'no dangling list number');
    assert.ok(spans.slice(1).every((s) => s.section === 'plan'));
    assertRestructuresAndDropsNothing(wrapped);
  });

  it('decodes a note without its SOAP headings as a sequence', () => {
    const raw = [
      'CHIEF COMPLAINT: Cough and fever for four days.',
      '',
      'PHYSICAL EXAMINATION:',
      'LUNGS: Crackles at the right base.',
      'VITAL SIGNS: Temperature 38.6, pulse 104.',
      '',
      'Right lower lobe pneumonia, likely community acquired.',
      '',
      'We will start amoxicillin 1 g three times daily and see her again in 48 hours.',
    ].join('\n');
    assert.deepEqual(structureSpans(raw).map((s) => s.section[0]), ['s', 'o', 'o', 'a', 'p']);
    // Under a review of systems, a body system is history; under an examination, a finding.
    const ros = structureSpans('REVIEW OF SYSTEMS:\nHEENT: No headaches.\n\nPHYSICAL EXAMINATION:\nHEENT: Pupils equal.');
    assert.deepEqual(ros.map((s) => s.section[0]), ['s', 'o']);
  });
});

describe('local structurer: headings in the other languages of our wards', () => {
  it('reads the new history and plan headings in German, Spanish, French and Arabic', () => {
    const sections = (raw: string) => structureSpans(raw).map((s) => s.section[0]);
    assert.deepEqual(sections('Allergien: Penicillin.\nEntlassmedikation: Ramipril 5 mg.'), ['s', 'p']);
    assert.deepEqual(sections('Alergias: ninguna conocida.\nSeguimiento: control en 2 semanas.'), ['s', 'p']);
    assert.deepEqual(sections('Antécédents familiaux: diabète.\nSuivi: consultation dans 1 mois.'), ['s', 'p']);
    assert.deepEqual(sections('الحساسية: البنسلين.\nالمتابعة: بعد أسبوعين.'), ['s', 'p']);
    assert.equal(structureSpans('Allergien: Penicillin.')[0]!.text, 'Allergien: Penicillin.', 'the label stays in the statement');
  });
});
