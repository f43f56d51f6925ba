import type { SoapSectionName } from '../../../contract/soap';
import { structureSpans } from '../local';
import type { LabelledNote } from './labelled';

/** Statement-level section accuracy: each labelled statement is judged by the local statement covering its first character. */
export interface Evaluation {
  notes: number;
  statements: number;
  correct: number;
  accuracy: number;
  misses: { id: string; expected: SoapSectionName; got: SoapSectionName | null; text: string }[];
}

export function evaluate(notes: readonly LabelledNote[]): Evaluation {
  let statements = 0;
  let correct = 0;
  const misses: Evaluation['misses'] = [];
  for (const note of notes) {
    const spans = structureSpans(note.raw);
    for (const label of note.labels) {
      statements++;
      const span = spans.find((s) => s.start <= label.anchor && label.anchor < s.end);
      const got = span?.section ?? null;
      if (got === label.section) correct++;
      else misses.push({ id: note.id, expected: label.section, got, text: label.text });
    }
  }
  return { notes: notes.length, statements, correct, accuracy: statements === 0 ? 0 : correct / statements, misses };
}
