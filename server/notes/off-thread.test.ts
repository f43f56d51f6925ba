import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { generateRawNotes } from '../../contract/demo/notes';
import { performance } from 'node:perf_hooks';
import { IN_THREAD, startNoteCpuWorker } from './off-thread';
import { MAX_SUMMARIZE_CHARS, prepareNote, structureNote } from './pipeline';
import { localProvider } from './providers/local';
import { reviewHash, toReviewSections } from './review/sections';

/* Summarizing runs in a worker thread: the same draft as on the calling thread, and the event loop stays free meanwhile. */

const cpu = startNoteCpuWorker();
after(() => cpu.close());

/** A long note from the demo generator: a week of ward rounds pasted into one note. */
function longNote(chars: number, seed = 5): string {
  const parts: string[] = [];
  let n = 0;
  for (const note of generateRawNotes({ count: 2000, seed })) {
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

test("the server's form of the draft is the same draft, serialized for storage", async () => {
  const raw = longNote(20_000);
  const here = await structureNote(raw, localProvider(), undefined, IN_THREAD);
  const there = await prepareNote(raw, localProvider(), undefined, cpu);
  assert.ok(here.ok && there.ok);
  const review = toReviewSections(here.draft.sections);
  assert.equal(there.draft.review.json, JSON.stringify(review));
  assert.equal(there.draft.review.hash, reviewHash(review));
  assert.equal(there.draft.contentHash, here.draft.contentHash);
  assert.equal(there.draft.unsupportedCount, here.draft.unsupportedCount);
  assert.equal(there.draft.provenance.responseFormat, 'local');
});

test('while a long note is summarized, the event loop is nearly idle: the work and the draft stay in the worker', async () => {
  // Before, the event loop folded the note (0.6 s for 1 MB) and copied, validated and hashed its
  // statements: busy a quarter to a third of the time, in stalls of 100-600 ms that every request
  // waited out. Measured as the loop's own busy time against the same note done on the calling
  // thread in the same run, not as a timed limit: a loaded machine stretches both alike. A 250 KB
  // note gives a whole draft (stored form included); 1 MB, the longest taken, too many statements.
  const busy = async (raw: string, runner: typeof cpu | typeof IN_THREAD) => {
    const before = performance.eventLoopUtilization();
    const r = await prepareNote(raw, localProvider(), undefined, runner);
    return { r, active: performance.eventLoopUtilization(before).active };
  };
  for (const [raw, stored] of [[longNote(250_000), true], [longNote(MAX_SUMMARIZE_CHARS, 9), false]] as const) {
    const here = await busy(raw, IN_THREAD);
    const there = await busy(raw, cpu);
    assert.equal(there.r.ok, stored);
    assert.equal(here.r.ok, stored);
    if (there.r.ok && here.r.ok) {
      assert.ok(there.r.draft.review.json.length > raw.length);
      assert.equal(there.r.draft.review.hash, here.r.draft.review.hash, 'the same draft on either thread');
    }
    assert.ok(there.active < here.active / 4, `${raw.length} chars: the event loop was busy ${there.active.toFixed(0)} ms with the worker, ${here.active.toFixed(0)} ms without`);
  }
});

test('a draft with more statements than a section holds is refused in words a physician can act on', async () => {
  const r = await prepareNote(longNote(MAX_SUMMARIZE_CHARS, 9), localProvider(), undefined, cpu);
  assert.deepEqual(r, { ok: false, error: { kind: 'refused', message: 'the note gives more than 5,000 statements for one section of the draft: split it into shorter notes', attempts: 1 } });
});

test('a note over the limit is refused with a sentence, before any work', async () => {
  const tooLong = { ok: false, error: { kind: 'refused', message: 'the note is too long to summarize (over 1,000,000 characters): split it into shorter notes', attempts: 0 } };
  assert.deepEqual(await structureNote('x'.repeat(MAX_SUMMARIZE_CHARS + 1), localProvider(), undefined, cpu), tooLong);
  assert.deepEqual(await prepareNote('x'.repeat(MAX_SUMMARIZE_CHARS + 1), localProvider(), undefined, cpu), tooLong);
});
