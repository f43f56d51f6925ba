import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goldOfHeading, isHeldBack, isSoapHeading, labelNote } from './notes-corpus';

/* The benchmark's gold labeller, on a note written for this test. */

const NOTE = [
  'CONSULTATION NOTE',
  '',
  'CHIEF COMPLAINT: Swollen left calf for two days.',
  '',
  'REVIEW OF SYSTEMS:',
  'HEENT: No visual change.',
  '',
  'PHYSICAL EXAMINATION:',
  'HEENT: Pupils equal. Sclerae clear.',
  '',
  'IMPRESSION: Probable deep vein thrombosis.',
  '',
  'PLAN:',
  '1. Duplex ultrasound today.',
  '2. Start apixaban if confirmed.',
  '',
  'HOSPITAL COURSE: Uneventful.',
].join('\n');

describe('notes-accuracy gold labels', () => {
  it('labels units from the headings above them; body systems inherit; narrative and titles are left out', () => {
    const note = labelNote(NOTE, false);
    const at = (start: string) => note.units.find((u) => note.text.startsWith(start, u.anchor))?.gold;
    assert.equal(at('Swollen left calf'), 'subjective');
    assert.equal(at('No visual change'), 'subjective', 'HEENT under a review of systems is history');
    assert.equal(at('Pupils equal'), 'objective', 'HEENT under an examination is a finding');
    assert.equal(at('Sclerae clear'), 'objective');
    assert.equal(at('Probable deep vein'), 'assessment');
    assert.equal(at('1. Duplex'), 'plan');
    assert.equal(at('2. Start apixaban'), 'plan');
    assert.equal(at('Uneventful'), undefined, 'a hospital course is not scored');
    assert.equal(at('CONSULTATION NOTE'), undefined);
  });

  it('the stripped variant removes only the SOAP-level headings, and keeps the labels of the units', () => {
    const kept = labelNote(NOTE, false);
    const stripped = labelNote(NOTE, true);
    assert.ok(!/IMPRESSION|PLAN:/.test(stripped.text));
    assert.ok(stripped.text.includes('PHYSICAL EXAMINATION:') && stripped.text.includes('REVIEW OF SYSTEMS:'));
    assert.deepEqual(stripped.units.map((u) => u.gold), kept.units.map((u) => u.gold));
    for (const u of stripped.units) assert.ok(/\S/.test(stripped.text[u.anchor]!));
    assert.ok(isSoapHeading('DISCHARGE DIAGNOSES') && isSoapHeading('ASSESSMENT AND PLAN') && !isSoapHeading('PHYSICAL EXAMINATION'));
    assert.equal(goldOfHeading('ASSESSMENT AND PLAN'), 'assessment-plan');
    assert.equal(goldOfHeading('DISCHARGE MEDICATIONS'), 'plan');
    assert.equal(goldOfHeading('NECK'), null);
  });

  it('holds back a fixed ~30 % of the files', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `note-${i}.txt`);
    const held = names.filter(isHeldBack).length;
    assert.ok(held > 250 && held < 350, `${held} of 1000`);
    assert.equal(isHeldBack('note-7.txt'), isHeldBack('note-7.txt'));
  });
});
