import { LOCAL_MODEL, structureLocally } from '../local';
import type { GeneratedSoap } from '../../../contract/soap';
import type { SummarizerProvider } from './types';

/** The built-in structurer as a provider: no network, no tokens, one attempt. `structure`: where it runs (the server: a worker thread). */
export function localProvider(structure: (raw: string) => Promise<GeneratedSoap> = async (raw) => structureLocally(raw)): SummarizerProvider {
  return {
    name: 'local',
    model: LOCAL_MODEL,
    summarize: async (raw) => ({ soap: await structure(raw), inputTokens: null, outputTokens: null, attempts: 1, responseFormat: 'local' }),
  };
}
