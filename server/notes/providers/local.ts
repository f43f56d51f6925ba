import { LOCAL_MODEL, structureLocally } from '../local';
import type { SummarizerProvider } from './types';

/** The built-in structurer as a provider: no network, no tokens, one attempt. */
export function localProvider(): SummarizerProvider {
  return {
    name: 'local',
    model: LOCAL_MODEL,
    summarize: async (raw) => ({ soap: structureLocally(raw), inputTokens: null, outputTokens: null, attempts: 1, responseFormat: 'local' }),
  };
}
