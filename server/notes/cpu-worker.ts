import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { GeneratedSoap } from '../../contract/soap';
import { checkEvidence, countUnsupported } from './evidence';
import { contentHash } from './hash';
import { structureLocally } from './local';
import { prepareSections } from './prepare';

/* The worker thread's side of off-thread.ts: the CPU-heavy steps of summarizing, one message at a time. */

export type CpuRequest =
  | { id: number; op: 'local'; raw: string }
  | { id: number; op: 'check'; raw: string; soap: GeneratedSoap }
  | { id: number; op: 'prepare'; raw: string; soap: GeneratedSoap | null };

/*
 * The lowest scheduling priority for this thread alone (on Linux a nice value is per thread, and
 * pid 0 is the calling thread): where the cores are busy, the event loop's requests come first and
 * the summary waits. Without it, on 2 busy cores, the thread took CPU time from the event loop and
 * other requests waited 60 ms longer at p95. Where the system refuses, the thread runs as before.
 */
try {
  setPriority(0, (workerData as { niceness?: number } | undefined)?.niceness ?? 19);
} catch {
  // not permitted here: same priority as the event loop
}

parentPort?.on('message', (req: CpuRequest) => {
  try {
    if (req.op === 'local') {
      parentPort!.postMessage({ id: req.id, ok: true, value: structureLocally(req.raw) });
    } else if (req.op === 'prepare') {
      parentPort!.postMessage({ id: req.id, ok: true, value: prepareSections(req.raw, req.soap) });
    } else {
      const sections = checkEvidence(req.raw, req.soap);
      parentPort!.postMessage({ id: req.id, ok: true, value: { sections, contentHash: contentHash(sections), unsupportedCount: countUnsupported(sections) } });
    }
  } catch {
    // Never the note's text: only that this step failed.
    parentPort!.postMessage({ id: req.id, ok: false });
  }
});
