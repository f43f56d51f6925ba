import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SoapSectionName } from '../contract/soap';
import { classifyStatement } from '../server/notes/classify';
import { structureSpans, type LocalStatement } from '../server/notes/local';
import { printFigures, writeResults, type Figure } from './lib';
import { isHeldBack, isRight, labelNote, type Gold } from './notes-corpus';

/*
 * `npm run bench -- notes-accuracy`: statement-level section accuracy of the local structurer on
 * a folder of real transcribed notes (NOTES_CORPUS, default ../shared/corpora/notes-dev next to
 * the checkout), read at run time; nothing of it is kept in the project. Gold labels come from
 * each note's own headings (bench/notes-corpus.ts). Two runs: headings kept, and SOAP-level
 * headings removed. About 30 % of the notes (by a hash of the file name) are held back: they were
 * never looked at while tuning, and only their totals are printed; their figure is the honest one.
 * The confusion matrix and the worst notes are printed for the tuning part only.
 * NOTES_ACCURACY_VERBOSE=1 lists the tuning part's misses.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
/** ../shared/corpora/notes-dev beside the checkout (or beside a folder above it, for a worktree). */
function defaultCorpus(): string {
  const first = path.resolve(here, '..', '..', 'shared', 'corpora', 'notes-dev');
  for (let dir = path.resolve(here, '..', '..'); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'corpora', 'notes-dev');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return first;
  }
}
const LETTER: Record<Gold, string> = { subjective: 'S', objective: 'O', assessment: 'A', plan: 'P', 'assessment-plan': 'A/P', skip: '-' };

interface Score {
  units: number;
  right: number;
  confusion: Map<string, number>;
  perNote: { name: string; units: number; right: number }[];
  misses: string[];
}

const emptyScore = (): Score => ({ units: 0, right: 0, confusion: new Map(), perNote: [], misses: [] });

/** The baseline measured in the same run: the same statements, each sorted by its own wording alone (no headings, no sequence). */
function wordingAlone(text: string): LocalStatement[] {
  let previous: LocalStatement['section'] = 'subjective';
  return structureSpans(text).map((s) => {
    previous = classifyStatement(s.text) ?? previous;
    return { ...s, section: previous };
  });
}

function scoreNote(name: string, original: string, strip: boolean, into: Score, verbose: boolean, structure = structureSpans): void {
  const note = labelNote(original, strip);
  const spans = structure(note.text);
  let right = 0;
  let k = 0;
  for (const u of note.units) {
    while (k < spans.length && spans[k]!.end <= u.anchor) k++;
    const span = spans[k];
    const got: SoapSectionName | null = span && span.start <= u.anchor ? span.section : null;
    const ok = got !== null && isRight(u.gold, got);
    if (ok) right++;
    const key = `${LETTER[u.gold]}>${got ? LETTER[got] : '?'}`;
    into.confusion.set(key, (into.confusion.get(key) ?? 0) + 1);
    if (!ok && verbose) into.misses.push(`${name} [${u.heading}] ${LETTER[u.gold]}->${got ? LETTER[got] : '?'}: ${note.text.slice(u.anchor, u.anchor + 90).replace(/\s+/g, ' ')}`);
  }
  into.units += note.units.length;
  into.right += right;
  into.perNote.push({ name, units: note.units.length, right });
}

function printConfusion(title: string, s: Score): void {
  const golds = ['S', 'O', 'A', 'P', 'A/P'];
  const gots = ['S', 'O', 'A', 'P', '?'];
  console.log(`  ${title} (rows: gold, columns: structurer)`);
  console.log(`  ${''.padEnd(5)}${gots.map((g) => g.padStart(7)).join('')}`);
  for (const g of golds) console.log(`  ${g.padEnd(5)}${gots.map((x) => String(s.confusion.get(`${g}>${x}`) ?? 0).padStart(7)).join('')}`);
}

const acc = (s: Score): number => (s.units === 0 ? 0 : s.right / s.units);

export async function run(): Promise<void> {
  const dir = process.env.NOTES_CORPUS ? path.resolve(process.env.NOTES_CORPUS) : defaultCorpus();
  if (!existsSync(dir)) {
    console.log(`  no corpus at ${dir}: set NOTES_CORPUS to a folder of .txt notes to measure section accuracy; nothing measured`);
    return;
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  if (files.length === 0) {
    console.log(`  ${dir} holds no .txt notes; nothing measured`);
    return;
  }
  const verbose = Boolean(process.env.NOTES_ACCURACY_VERBOSE);
  const tuneOnly = process.env.NOTES_ACCURACY_PART === 'tuning';
  const score = { tuning: { kept: emptyScore(), stripped: emptyScore() }, held: { kept: emptyScore(), stripped: emptyScore() } };
  const baseline = { kept: emptyScore(), stripped: emptyScore() };
  for (const f of files) {
    const held = isHeldBack(f);
    if (held && tuneOnly) continue;
    const original = readFileSync(path.join(dir, f), 'utf8');
    const part = held ? score.held : score.tuning;
    scoreNote(f, original, false, part.kept, verbose && !held);
    scoreNote(f, original, true, part.stripped, verbose && !held);
    if (held) {
      scoreNote(f, original, false, baseline.kept, false, wordingAlone);
      scoreNote(f, original, true, baseline.stripped, false, wordingAlone);
    }
  }
  const heldNotes = score.held.kept.perNote.length;
  const tuningNotes = score.tuning.kept.perNote.length;
  console.log(`  corpus: ${files.length} notes; tuning part ${tuningNotes}, held back ${tuneOnly ? '(not read: NOTES_ACCURACY_PART=tuning)' : heldNotes}`);
  printConfusion('tuning part, headings kept', score.tuning.kept);
  printConfusion('tuning part, SOAP headings removed', score.tuning.stripped);
  const worst = score.tuning.stripped.perNote
    .filter((n) => n.units > 0)
    .map((n) => ({ ...n, acc: n.right / n.units }))
    .sort((a, b) => a.acc - b.acc)
    .slice(0, 8);
  console.log('  worst notes of the tuning part (SOAP headings removed):');
  for (const w of worst) console.log(`    ${w.acc.toFixed(2)}  ${w.right}/${w.units}  ${w.name}`);
  if (verbose) for (const m of [...score.tuning.kept.misses.map((m) => `kept ${m}`), ...score.tuning.stripped.misses.map((m) => `stripped ${m}`)]) console.log(`  miss ${m}`);

  const figures: Record<string, Figure> = {
    held_back_headings_kept: { value: acc(score.held.kept), unit: 'accuracy', goal: '>= 0.97' },
    held_back_soap_headings_removed: { value: acc(score.held.stripped), unit: 'accuracy', goal: '>= 0.90' },
    held_back_baseline_headings_kept: { value: acc(baseline.kept), unit: 'accuracy (each statement by its wording alone)' },
    held_back_baseline_soap_headings_removed: { value: acc(baseline.stripped), unit: 'accuracy (each statement by its wording alone)' },
    tuning_headings_kept: { value: acc(score.tuning.kept), unit: 'accuracy' },
    tuning_soap_headings_removed: { value: acc(score.tuning.stripped), unit: 'accuracy' },
    held_back_notes: { value: heldNotes, unit: 'notes' },
    held_back_statements: { value: score.held.kept.units, unit: 'statements' },
    tuning_notes: { value: tuningNotes, unit: 'notes' },
    tuning_statements: { value: score.tuning.kept.units, unit: 'statements' },
  };
  printFigures(figures);
  if (tuneOnly) return;
  const file = writeResults('notes-accuracy', figures, [
    `corpus: ${files.length} notes read at run time (NOTES_CORPUS); gold labels from the notes' own ALL-CAPS headings (bench/notes-corpus.ts)`,
    'held back: notes whose sha256("notes-accuracy:" + file name) starts with a byte < 77 (about 30 %), never looked at while tuning',
    'statements: each list item and sentence of a labelled block, judged by the local statement covering its first character; narrative parts (courses, procedures) left out',
    'SOAP headings removed: subjective, objective, assessment, impression, diagnosis, plan, recommendations (with qualifiers); sub-headings kept',
  ]);
  console.log(`  wrote ${file}`);
}
