import { SoapDraft, type ContentHash, type DraftProvenance, type NoteFailure, type StructureResult } from '../../contract/soap';
import { IN_THREAD, type NoteCpu } from './off-thread';
import { MAX_SUMMARIZE_CHARS, overLimits, refuseNote, refuseQuickly } from './prepare';
import { PROMPT_VERSION } from './prompt';
import { NoteProviderError, type SummarizerProvider } from './providers/types';

/*
 * Raw note -> SOAP draft: the provider generates, the server checks every quote against the
 * source, hashes the sections and records provenance. The result is a whole draft or a visible
 * failure. A draft is only ever a draft: its type has no approval field, and approval is a
 * separate call by a physician (not part of this pipeline).
 *
 * Two forms: structureNote answers the draft as objects (tests, tools, the accuracy benchmark);
 * prepareNote, what the server runs, answers it already serialized for storage, built in the
 * worker thread, so that a long note never holds the event loop (prepare.ts).
 */

export { MAX_SUMMARIZE_CHARS };

// The local structurer quotes no prompt; its "prompt version" is its own version.
const LOCAL_PROMPT_VERSION = 'local-structurer-1';

/** A draft ready for soap_drafts: the sections stay one JSON string (prepare.ts). */
export interface PreparedDraft {
  provenance: DraftProvenance;
  contentHash: ContentHash;
  unsupportedCount: number;
  review: { json: string; hash: ContentHash };
}
export type PreparedResult = { ok: true; draft: PreparedDraft } | { ok: false; error: NoteFailure };

type Answer = Awaited<ReturnType<SummarizerProvider['summarize']>>;

async function ask(provider: SummarizerProvider, raw: string, signal?: AbortSignal): Promise<{ ok: true; answer: Answer; latencyMs: number } | { ok: false; error: NoteFailure }> {
  const started = performance.now();
  try {
    const answer = await provider.summarize(raw, signal);
    return { ok: true, answer, latencyMs: performance.now() - started };
  } catch (error) {
    if (error instanceof NoteProviderError) return { ok: false, error: { kind: error.kind, message: error.message, attempts: error.attempts } };
    return { ok: false, error: { kind: 'provider_error', message: 'the summarizer failed unexpectedly', attempts: 0 } };
  }
}

function provenanceOf(provider: SummarizerProvider, latencyMs: number, answer: Pick<Answer, 'inputTokens' | 'outputTokens' | 'attempts' | 'responseFormat'>): DraftProvenance {
  return {
    provider: provider.name,
    model: provider.model,
    promptVersion: provider.name === 'local' ? LOCAL_PROMPT_VERSION : PROMPT_VERSION,
    latencyMs: Math.round(latencyMs * 1000) / 1000,
    inputTokens: answer.inputTokens,
    outputTokens: answer.outputTokens,
    attempts: answer.attempts,
    responseFormat: answer.responseFormat,
  };
}

/** `cpu`: where quotes are checked (server: a worker thread, off-thread.ts). */
export async function structureNote(raw: string, provider: SummarizerProvider, signal?: AbortSignal, cpu: NoteCpu = IN_THREAD): Promise<StructureResult> {
  const refused = refuseNote(raw);
  if (refused) return { ok: false, error: refused };
  const asked = await ask(provider, raw, signal);
  if (!asked.ok) return asked;
  const { answer, latencyMs } = asked;
  const tooMany = overLimits(answer.soap);
  if (tooMany) return { ok: false, error: { ...tooMany, attempts: answer.attempts } };
  let checked;
  try {
    checked = await cpu.check(raw, answer.soap);
  } catch {
    return { ok: false, error: { kind: 'provider_error', message: 'checking the draft against the note failed: try again, and report it to IT if it fails again', attempts: answer.attempts } };
  }
  const draft: SoapDraft = { sections: checked.sections, provenance: provenanceOf(provider, latencyMs, answer), contentHash: checked.contentHash, unsupportedCount: checked.unsupportedCount };
  // The contract's own parser has the last word: what leaves here has exactly the draft's shape.
  const parsed = SoapDraft.safeParse(draft);
  if (!parsed.success) return { ok: false, error: { kind: 'provider_error', message: 'the draft does not fit the note format (a statement or quote too long): split the note or write it by hand', attempts: answer.attempts } };
  return { ok: true, draft: parsed.data };
}

/**
 * What the server runs: the same draft, prepared for storage in `cpu` (the worker thread). With
 * the local structurer the worker structures the note itself, so no draft crosses the thread
 * boundary as objects; a model's answer (bounded by its output tokens) is checked there.
 */
export async function prepareNote(raw: string, provider: SummarizerProvider, signal?: AbortSignal, cpu: NoteCpu = IN_THREAD): Promise<PreparedResult> {
  const refused = refuseQuickly(raw);
  if (refused) return { ok: false, error: refused };
  const local = provider.name === 'local';
  let asked: Awaited<ReturnType<typeof ask>> | null = null;
  if (!local) {
    asked = await ask(provider, raw, signal);
    if (!asked.ok) return asked;
  }
  const attempts = asked?.answer.attempts ?? 1;
  let result;
  try {
    result = await cpu.prepare(raw, asked ? asked.answer.soap : null);
  } catch {
    return { ok: false, error: { kind: 'provider_error', message: 'checking the draft against the note failed: try again, and report it to IT if it fails again', attempts } };
  }
  if (!result.ok) return { ok: false, error: { ...result.error, attempts: result.error.attempts === 0 ? 0 : attempts } };
  const p = result.prepared;
  const provenance = asked ? provenanceOf(provider, asked.latencyMs, asked.answer) : provenanceOf(provider, p.structureMs, { inputTokens: null, outputTokens: null, attempts: 1, responseFormat: 'local' });
  return { ok: true, draft: { provenance, contentHash: p.contentHash, unsupportedCount: p.unsupportedCount, review: { json: p.reviewJson, hash: p.reviewHash } } };
}
