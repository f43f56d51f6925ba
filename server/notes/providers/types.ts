import type { DraftProvenance, GeneratedSoap, NoteFailure, NoteProviderName } from '../../../contract/soap';

/** What a provider answers: the sections as generated (not yet checked), and what it cost. */
export interface ProviderAnswer {
  soap: GeneratedSoap;
  inputTokens: number | null;
  outputTokens: number | null;
  attempts: number;
  responseFormat: DraftProvenance['responseFormat'];
}

/** One interface for every summarizer: the local structurer and the OpenAI-speaking ones. */
export interface SummarizerProvider {
  readonly name: NoteProviderName;
  readonly model: string;
  summarize(raw: string, signal?: AbortSignal): Promise<ProviderAnswer>;
}

/** A visible failure: its message is safe to log and show (no note text, no model text). */
export class NoteProviderError extends Error {
  constructor(
    readonly kind: NoteFailure['kind'],
    message: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NoteProviderError';
  }
}
