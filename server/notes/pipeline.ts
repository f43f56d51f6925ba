import { SoapDraft, type StructureResult } from '../../contract/soap';
import { IN_THREAD, type NoteCpu } from './off-thread';
import { PROMPT_VERSION } from './prompt';
import { NoteProviderError, type SummarizerProvider } from './providers/types';
import { foldForMatch } from './text';

/*
 * Raw note -> SOAP draft: the provider generates, the server checks every quote against the
 * source, hashes the sections and records provenance. The result is a whole draft or a visible
 * failure. A draft is only ever a draft: its type has no approval field, and approval is a
 * separate call by a physician (not part of this pipeline).
 */

// The local structurer quotes no prompt; its "prompt version" is its own version.
const LOCAL_PROMPT_VERSION = 'local-structurer-1';

/** The longest note the summarizer takes (a draft's own ceiling, contract/sync.ts). */
export const MAX_SUMMARIZE_CHARS = 1_000_000;

/** `cpu`: where quotes are checked (server: a worker thread, off-thread.ts). */
export async function structureNote(raw: string, provider: SummarizerProvider, signal?: AbortSignal, cpu: NoteCpu = IN_THREAD): Promise<StructureResult> {
  if (raw.length > MAX_SUMMARIZE_CHARS) {
    return { ok: false, error: { kind: 'refused', message: `the note is too long to summarize (over ${MAX_SUMMARIZE_CHARS.toLocaleString('en')} characters): split it into shorter notes`, attempts: 0 } };
  }
  if (foldForMatch(raw).length === 0) return { ok: false, error: { kind: 'empty_note', message: 'the note has no text', attempts: 0 } };
  const started = performance.now();
  let answer;
  try {
    answer = await provider.summarize(raw, signal);
  } catch (error) {
    if (error instanceof NoteProviderError) return { ok: false, error: { kind: error.kind, message: error.message, attempts: error.attempts } };
    return { ok: false, error: { kind: 'provider_error', message: 'the summarizer failed unexpectedly', attempts: 0 } };
  }
  const latencyMs = performance.now() - started;
  let checked;
  try {
    checked = await cpu.check(raw, answer.soap);
  } catch {
    return { ok: false, error: { kind: 'provider_error', message: 'checking the draft against the note failed', attempts: answer.attempts } };
  }
  const draft: SoapDraft = {
    sections: checked.sections,
    provenance: {
      provider: provider.name,
      model: provider.model,
      promptVersion: provider.name === 'local' ? LOCAL_PROMPT_VERSION : PROMPT_VERSION,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      inputTokens: answer.inputTokens,
      outputTokens: answer.outputTokens,
      attempts: answer.attempts,
      responseFormat: answer.responseFormat,
    },
    contentHash: checked.contentHash,
    unsupportedCount: checked.unsupportedCount,
  };
  // The contract's own parser has the last word: what leaves here has exactly the draft's shape.
  const parsed = SoapDraft.safeParse(draft);
  if (!parsed.success) return { ok: false, error: { kind: 'provider_error', message: "the draft exceeds the contract's limits", attempts: answer.attempts } };
  return { ok: true, draft: parsed.data };
}
