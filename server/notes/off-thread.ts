import { Worker } from 'node:worker_threads';
import type { ContentHash, GeneratedSoap, SoapSections } from '../../contract/soap';
import { checkEvidence, countUnsupported } from './evidence';
import { contentHash } from './hash';
import { structureLocally } from './local';
import { prepareSections, type PrepareResult } from './prepare';

/*
 * The CPU-heavy steps of summarizing (the local structurer, checking every quote against the
 * source) run off the event loop: a 1 MB note kept the whole server from answering for 1.6 s.
 * One worker thread takes them in turn; the server's requests never wait for them. The server
 * calls `prepare`, which answers the stored form as one string: a draft as objects would cost
 * the event loop its copy (20,000 statements for a 1 MB note: 100–200 ms).
 */

export interface CheckedSections {
  sections: SoapSections;
  contentHash: ContentHash;
  unsupportedCount: number;
}

export interface NoteCpu {
  structureLocally(raw: string): Promise<GeneratedSoap>;
  check(raw: string, soap: GeneratedSoap): Promise<CheckedSections>;
  /** The whole draft for storage, serialized (prepare.ts); `soap` null: structure it locally. */
  prepare(raw: string, soap: GeneratedSoap | null): Promise<PrepareResult>;
  close(): Promise<void>;
}

/** On the calling thread: for tests and tools, where blocking is harmless. */
export const IN_THREAD: NoteCpu = {
  structureLocally: async (raw) => structureLocally(raw),
  async check(raw, soap) {
    const sections = checkEvidence(raw, soap);
    return { sections, contentHash: contentHash(sections), unsupportedCount: countUnsupported(sections) };
  },
  prepare: async (raw, soap) => prepareSections(raw, soap),
  close: async () => {},
};

/** `niceness`: the thread's scheduling priority (cpu-worker.ts; 19, the lowest, unless a benchmark compares). */
export function startNoteCpuWorker(options: { niceness?: number } = {}): NoteCpu {
  // The worker runs the same TypeScript sources: it registers tsx's loader first (a worker
  // thread does not inherit the loader hooks of the main thread).
  const entry = new URL('./cpu-worker.ts', import.meta.url).href;
  const boot = entry.endsWith('.ts')
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`
    : `import(${JSON.stringify(entry)});`;
  const worker = new Worker(boot, { eval: true, workerData: { niceness: options.niceness ?? 19 } });
  worker.unref();
  let next = 0;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  worker.on('message', (m: { id: number; ok: boolean; value?: unknown }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error('the summarizer step failed'));
  });
  const failAll = (why: string) => {
    for (const w of waiting.values()) w.reject(new Error(why));
    waiting.clear();
  };
  worker.on('error', () => failAll('the summarizer thread failed'));
  worker.on('exit', () => failAll('the summarizer thread stopped'));
  const call = <T>(msg: object): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, ...msg });
    });
  return {
    structureLocally: (raw) => call<GeneratedSoap>({ op: 'local', raw }),
    check: (raw, soap) => call<CheckedSections>({ op: 'check', raw, soap }),
    prepare: (raw, soap) => call<PrepareResult>({ op: 'prepare', raw, soap }),
    async close() {
      await worker.terminate();
    },
  };
}
