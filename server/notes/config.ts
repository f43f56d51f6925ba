import { NOTE_PROVIDERS, type NoteProviderName } from '../../contract/soap';

/*
 * Configuration of the notes pipeline, from the environment, parsed in this one place.
 * Nothing configured means the local structurer: a note leaves the server only when an
 * operator names a provider (NOTES_PROVIDER), never because an API key happens to be set.
 */

export type ResponseFormatMode = 'auto' | 'json_schema' | 'json_object';

export interface RemoteCallPolicy {
  timeoutMs: number;
  /** Further attempts after a timeout, connection error, 429 or 5xx. */
  maxRetries: number;
  /** A 429's retry-after is honoured up to this wait; longer waits fail visibly instead. */
  maxRetryAfterMs: number;
  /** Further attempts after an answer that is not valid JSON of the schema. */
  malformedRetries: number;
  /** First backoff between retries without a retry-after (doubles each time, capped at 8 s). */
  backoffMs: number;
}

export type SummarizerConfig =
  | { provider: 'local' }
  | ({ provider: 'openai'; apiKey: string; model: string; baseURL: string | null; responseFormat: ResponseFormatMode } & RemoteCallPolicy)
  | ({ provider: 'azure'; endpoint: string; apiKey: string; deployment: string; apiVersion: string; responseFormat: ResponseFormatMode } & RemoteCallPolicy)
  | ({ provider: 'compatible'; baseURL: string; apiKey: string; model: string; responseFormat: ResponseFormatMode } & RemoteCallPolicy);

export type TranscriptionConfig =
  | { provider: 'none' }
  | ({ provider: 'openai'; apiKey: string; model: string; baseURL: string | null; language: string | null } & Omit<RemoteCallPolicy, 'malformedRetries'>)
  | ({ provider: 'azure'; endpoint: string; apiKey: string; deployment: string; apiVersion: string; language: string | null } & Omit<RemoteCallPolicy, 'malformedRetries'>)
  | ({ provider: 'compatible'; baseURL: string; apiKey: string; model: string; language: string | null } & Omit<RemoteCallPolicy, 'malformedRetries'>);

export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';
export const DEFAULT_TRANSCRIPTION_MODEL = 'whisper-1';
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

export class NotesConfigError extends Error {}

type Env = Record<string, string | undefined>;

const val = (env: Env, name: string): string | null => {
  const v = env[name]?.trim();
  return v ? v : null;
};

function need(env: Env, name: string, why: string): string {
  const v = val(env, name);
  if (!v) throw new NotesConfigError(`${name} is not set (${why})`);
  return v;
}

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = val(env, name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new NotesConfigError(`${name} must be an integer >= ${min}`);
  return n;
}

function url(value: string, name: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return value.replace(/\/+$/, '');
  } catch {
    throw new NotesConfigError(`${name} must be an http(s) URL`);
  }
}

function policy(env: Env): RemoteCallPolicy {
  return {
    timeoutMs: int(env, 'NOTES_TIMEOUT_MS', 60_000, 1),
    maxRetries: int(env, 'NOTES_MAX_RETRIES', 2),
    maxRetryAfterMs: int(env, 'NOTES_MAX_RETRY_AFTER_MS', 30_000),
    malformedRetries: int(env, 'NOTES_MALFORMED_RETRIES', 1),
    backoffMs: int(env, 'NOTES_BACKOFF_MS', 500),
  };
}

function responseFormat(env: Env): ResponseFormatMode {
  const v = val(env, 'NOTES_RESPONSE_FORMAT') ?? 'auto';
  if (v !== 'auto' && v !== 'json_schema' && v !== 'json_object') throw new NotesConfigError('NOTES_RESPONSE_FORMAT must be auto, json_schema or json_object');
  return v;
}

export function parseProviderName(value: string): NoteProviderName {
  if (!(NOTE_PROVIDERS as readonly string[]).includes(value)) throw new NotesConfigError(`unknown provider "${value}"; known: ${NOTE_PROVIDERS.join(', ')}`);
  return value as NoteProviderName;
}

/** `provider` overrides NOTES_PROVIDER (the command line's --provider). */
export function summarizerConfigFromEnv(env: Env, provider?: NoteProviderName): SummarizerConfig {
  const name = provider ?? parseProviderName(val(env, 'NOTES_PROVIDER') ?? 'local');
  switch (name) {
    case 'local':
      return { provider: 'local' };
    case 'openai': {
      const baseURL = val(env, 'OPENAI_BASE_URL');
      return {
        provider: 'openai',
        apiKey: need(env, 'OPENAI_API_KEY', 'NOTES_PROVIDER=openai'),
        model: val(env, 'NOTES_MODEL') ?? DEFAULT_OPENAI_MODEL,
        baseURL: baseURL ? url(baseURL, 'OPENAI_BASE_URL') : null,
        responseFormat: responseFormat(env),
        ...policy(env),
      };
    }
    case 'azure':
      return {
        provider: 'azure',
        endpoint: url(need(env, 'AZURE_OPENAI_ENDPOINT', 'NOTES_PROVIDER=azure'), 'AZURE_OPENAI_ENDPOINT'),
        apiKey: need(env, 'AZURE_OPENAI_API_KEY', 'NOTES_PROVIDER=azure'),
        deployment: need(env, 'AZURE_OPENAI_DEPLOYMENT', 'NOTES_PROVIDER=azure: the chat model deployment'),
        apiVersion: val(env, 'AZURE_OPENAI_API_VERSION') ?? DEFAULT_AZURE_API_VERSION,
        responseFormat: responseFormat(env),
        ...policy(env),
      };
    case 'compatible':
      return {
        provider: 'compatible',
        baseURL: url(val(env, 'NOTES_BASE_URL') ?? need(env, 'OPENAI_BASE_URL', 'NOTES_PROVIDER=compatible: the server, e.g. http://host:8000/v1'), 'NOTES_BASE_URL'),
        // Self-hosted servers (vLLM, llama.cpp, Ollama) usually ignore the key, but the client needs one.
        apiKey: val(env, 'NOTES_API_KEY') ?? val(env, 'OPENAI_API_KEY') ?? 'not-needed',
        model: need(env, 'NOTES_MODEL', 'NOTES_PROVIDER=compatible: the model name the server serves'),
        responseFormat: responseFormat(env),
        ...policy(env),
      };
  }
}

export function transcriptionConfigFromEnv(env: Env): TranscriptionConfig {
  const name = val(env, 'NOTES_STT_PROVIDER') ?? 'none';
  const common = { ...policy(env), language: val(env, 'NOTES_STT_LANGUAGE') };
  const { malformedRetries: _unused, ...rest } = common;
  switch (name) {
    case 'none':
      return { provider: 'none' };
    case 'openai': {
      const baseURL = val(env, 'OPENAI_BASE_URL');
      return {
        provider: 'openai',
        apiKey: need(env, 'OPENAI_API_KEY', 'NOTES_STT_PROVIDER=openai'),
        model: val(env, 'NOTES_STT_MODEL') ?? DEFAULT_TRANSCRIPTION_MODEL,
        baseURL: baseURL ? url(baseURL, 'OPENAI_BASE_URL') : null,
        ...rest,
      };
    }
    case 'azure':
      return {
        provider: 'azure',
        endpoint: url(need(env, 'AZURE_OPENAI_ENDPOINT', 'NOTES_STT_PROVIDER=azure'), 'AZURE_OPENAI_ENDPOINT'),
        apiKey: need(env, 'AZURE_OPENAI_API_KEY', 'NOTES_STT_PROVIDER=azure'),
        deployment: need(env, 'AZURE_OPENAI_STT_DEPLOYMENT', 'NOTES_STT_PROVIDER=azure: the transcription deployment'),
        apiVersion: val(env, 'AZURE_OPENAI_API_VERSION') ?? DEFAULT_AZURE_API_VERSION,
        ...rest,
      };
    case 'compatible':
      return {
        provider: 'compatible',
        baseURL: url(val(env, 'NOTES_STT_BASE_URL') ?? need(env, 'OPENAI_BASE_URL', 'NOTES_STT_PROVIDER=compatible: the Whisper server, e.g. http://host:8000/v1'), 'NOTES_STT_BASE_URL'),
        apiKey: val(env, 'NOTES_STT_API_KEY') ?? val(env, 'OPENAI_API_KEY') ?? 'not-needed',
        model: val(env, 'NOTES_STT_MODEL') ?? DEFAULT_TRANSCRIPTION_MODEL,
        ...rest,
      };
    default:
      throw new NotesConfigError('NOTES_STT_PROVIDER must be none, openai, azure or compatible');
  }
}
