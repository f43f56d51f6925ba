import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { generateRawNotes } from '../../contract/demo/notes';
import { IN_THREAD, startNoteCpuWorker } from './off-thread';
import { MAX_SUMMARIZE_CHARS, structureNote } from './pipeline';
import { localProvider } from './providers/local';

/* Summarizing runs in a worker thread: the same draft as on the calling thread, and the event loop stays free meanwhile. */

const cpu = startNoteCpuWorker();
after(() => cpu.close());

/** A long note from the demo generator: a week of ward rounds pasted into one note. */
function longNote(chars: number): string {
  const parts: string[] = [];
  let n = 0;
  for (const note of generateRawNotes({ count: 400, seed: 5 })) {
    parts.push(note.text);
    n += note.text.length;
    if (n >= chars) break;
  }
  return parts.join('\n\n').slice(0, chars);
}

test('the worker thread gives the same draft as the calling thread', async () => {
  const raw = longNote(20_000);
  const here = await structureNote(raw, localProvider(), undefined, IN_THREAD);
  const there = await structureNote(raw, localProvider((r) => cpu.structureLocally(r)), undefined, cpu);
  assert.ok(here.ok && there.ok);
  assert.deepEqual(there.draft.sections, here.draft.sections);
  assert.equal(there.draft.contentHash, here.draft.contentHash);
});

test('while a long note is summarized, the event loop keeps turning', async () => {
  const raw = longNote(300_000);
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  spin();
  const r = await structureNote(raw, localProvider((x) => cpu.structureLocally(x)), undefined, cpu);
  running = false;
  assert.ok(r.ok);
  // On the calling thread the structuring would run between two turns; here the loop turned throughout.
  assert.ok(turns > 10, `${turns} turns`);
});

test('a note over the limit is refused with a sentence, before any work', async () => {
  const r = await structureNote('x'.repeat(MAX_SUMMARIZE_CHARS + 1), localProvider(), undefined, cpu);
  assert.deepEqual(r, { ok: false, error: { kind: 'refused', message: 'the note is too long to summarize (over 1,000,000 characters): split it into shorter notes', attempts: 0 } });
});
