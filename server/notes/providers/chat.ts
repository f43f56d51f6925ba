import type OpenAI from 'openai';
import { APIError } from 'openai';
import { GeneratedSoap, type NoteProviderName } from '../../../contract/soap';
import type { RemoteCallPolicy, ResponseFormatMode } from '../config';
import { buildMessages, MAX_OUTPUT_TOKENS, SOAP_JSON_SCHEMA } from '../prompt';
import { withRetries } from './retry';
import { NoteProviderError, type ProviderAnswer, type SummarizerProvider } from './types';

/*
 * Summarization over the Chat Completions wire protocol, which OpenAI, Azure OpenAI, vLLM,
 * llama.cpp and Ollama all speak. Structured outputs (json_schema) first; a server that rejects
 * them is asked again in JSON mode (json_object), and remembered. The answer must parse as JSON
 * of the contract's GeneratedSoap; otherwise it is asked again a bounded number of times and then
 * fails visibly. A partial answer is never passed on.
 */

export interface ChatProviderOptions {
  name: NoteProviderName;
  /** The model (OpenAI, compatible) or deployment (Azure) name sent with each request. */
  model: string;
  client: OpenAI;
  policy: RemoteCallPolicy;
  responseFormat: ResponseFormatMode;
}

type Format = 'json_schema' | 'json_object';

// A 400/422 naming the response format means the server lacks structured outputs.
const FORMAT_UNSUPPORTED = /response_format|json_schema|structured|schema|grammar|guided/i;

export function chatProvider(options: ChatProviderOptions): SummarizerProvider {
  const { client, model, policy } = options;
  let format: Format = options.responseFormat === 'json_object' ? 'json_object' : 'json_schema';

  const request = (raw: string, f: Format, signal: AbortSignal | undefined) =>
    client.chat.completions.create(
      {
        model,
        messages: buildMessages(raw),
        temperature: 0,
        // max_tokens rather than max_completion_tokens: every compatible server knows it.
        max_tokens: MAX_OUTPUT_TOKENS,
        response_format:
          f === 'json_schema'
            ? { type: 'json_schema', json_schema: { name: SOAP_JSON_SCHEMA.name, strict: true, schema: SOAP_JSON_SCHEMA.schema as unknown as Record<string, unknown> } }
            : { type: 'json_object' },
      },
      signal ? { signal } : undefined,
    );

  const once = async (raw: string, signal: AbortSignal | undefined, attemptsBefore: number) => ({
    ...(await withRetries(policy, () => request(raw, format, signal), { signal, attemptsBefore })),
    format,
  });

  return {
    name: options.name,
    model,
    async summarize(raw, signal) {
      let attempts = 0;
      let inputTokens: number | null = null;
      let outputTokens: number | null = null;
      for (let malformed = 0; ; ) {
        let answer: Awaited<ReturnType<typeof once>>;
        try {
          answer = await once(raw, signal, attempts);
        } catch (error) {
          if (options.responseFormat === 'auto' && format === 'json_schema' && formatRejected(error)) {
            format = 'json_object';
            attempts = error instanceof NoteProviderError ? error.attempts : attempts + 1;
            continue;
          }
          throw error;
        }
        attempts = answer.attempts;
        const completion = answer.value;
        const usage = completion.usage;
        if (usage) {
          inputTokens = (inputTokens ?? 0) + (usage.prompt_tokens ?? 0);
          outputTokens = (outputTokens ?? 0) + (usage.completion_tokens ?? 0);
        }
        const choice = completion.choices?.[0];
        if (choice?.message?.refusal) throw new NoteProviderError('refused', 'the model refused to structure this note', attempts);
        const soap = parseAnswer(choice?.message?.content ?? null, choice?.finish_reason ?? null);
        if (soap) return { soap, inputTokens, outputTokens, attempts, responseFormat: answer.format } satisfies ProviderAnswer;
        if (malformed >= policy.malformedRetries) {
          throw new NoteProviderError('malformed_output', `the model's answer was not a valid SOAP JSON object (after ${attempts} attempt${attempts === 1 ? '' : 's'})`, attempts);
        }
        malformed++;
      }
    },
  };
}

function formatRejected(error: unknown): boolean {
  if (!(error instanceof NoteProviderError) || error.kind !== 'provider_error') return false;
  const cause = error.cause;
  return cause instanceof APIError && (cause.status === 400 || cause.status === 422) && FORMAT_UNSUPPORTED.test(cause.message);
}

/** The model's content as GeneratedSoap, or null when it is not one (truncated, not JSON, wrong shape). */
export function parseAnswer(content: string | null, finishReason: string | null): GeneratedSoap | null {
  if (!content || finishReason === 'length') return null;
  let json: unknown;
  try {
    // Some JSON-mode servers wrap the object in a Markdown fence.
    json = JSON.parse(content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/u, '$1'));
  } catch {
    return null;
  }
  const parsed = GeneratedSoap.safeParse(json);
  return parsed.success ? parsed.data : null;
}
