import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from './evaluate';
import { HELD_OUT_NOTES } from './held-out';
import { EVAL_NOTES } from './notes';
import { EVAL_NOTES_2 } from './notes-2';
import { EVAL_NOTES_3 } from './notes-3';

/*
 * Statement-level S/O/A/P accuracy of the local structurer on the labelled set (goal >= 0.85),
 * printed, with floors slightly below today's figures so that a regression fails. The held-out
 * batch was never used for tuning: its figure is the honest estimate for unseen notes.
 */

const LABELLED_FLOOR = 0.95; // measured 0.970 on 2026-11-25 and on 2026-12-02
// Measured 0.925 on 2026-11-25 with per-statement cues; 0.821 on 2026-12-02 once the structurer
// decodes the note as a sequence (tuned for real dictated notes, bench notes-accuracy). One statement is 1.5 points.
const HELD_OUT_FLOOR = 0.8;

describe('local structurer accuracy', () => {
  it('labelled set and held-out batch', () => {
    const labelled = evaluate([...EVAL_NOTES, ...EVAL_NOTES_2, ...EVAL_NOTES_3]);
    const held = evaluate(HELD_OUT_NOTES);
    const all = evaluate([...EVAL_NOTES, ...EVAL_NOTES_2, ...EVAL_NOTES_3, ...HELD_OUT_NOTES]);
    const line = (name: string, e: typeof all) => `${name}: ${e.accuracy.toFixed(3)} (${e.correct}/${e.statements} statements, ${e.notes} notes)`;
    console.log(`local structurer section accuracy\n  ${line('labelled set', labelled)}\n  ${line('held-out', held)}\n  ${line('all', all)}`);
    assert.ok(labelled.notes >= 40);
    assert.ok(labelled.accuracy >= LABELLED_FLOOR, line('labelled set', labelled));
    assert.ok(held.accuracy >= HELD_OUT_FLOOR, line('held-out', held));
    if (process.env.NOTES_EVAL_VERBOSE) for (const m of labelled.misses) console.log(`  miss ${m.id}: ${m.expected} -> ${m.got}: ${m.text}`);
  });

  it('every label is anchored on note text', () => {
    for (const note of [...EVAL_NOTES, ...EVAL_NOTES_2, ...EVAL_NOTES_3, ...HELD_OUT_NOTES]) {
      assert.ok(!/\{[SOAP]\}/.test(note.raw), note.id);
      for (const l of note.labels) assert.ok(l.text.length > 0 && note.raw.slice(l.anchor).startsWith(l.text.slice(0, 5)), `${note.id}: ${l.text}`);
    }
  });
});
