import { parentPort } from 'node:worker_threads';
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
