import OpenAI, { AzureOpenAI, toFile } from 'openai';
import { AUDIO_TYPES, MAX_AUDIO_BYTES, type TranscriptionResult } from '../../contract/transcription';
import type { TranscriptionConfig } from './config';
import { withRetries } from './providers/retry';
import { NoteProviderError } from './providers/types';

/*
 * Speech-to-text through the openai package's audio transcription API, which OpenAI, Azure
 * OpenAI and self-hosted Whisper servers all speak (multipart POST to /audio/transcriptions).
 * Same timeout and retry discipline as summarization (providers/retry.ts).
 */

function client(config: Exclude<TranscriptionConfig, { provider: 'none' }>): OpenAI {
  const common = { apiKey: config.apiKey, timeout: config.timeoutMs, maxRetries: 0 };
  switch (config.provider) {
    case 'openai':
      return new OpenAI({ ...common, baseURL: config.baseURL ?? 'https://api.openai.com/v1' });
    case 'azure':
      return new AzureOpenAI({ ...common, endpoint: config.endpoint, deployment: config.deployment, apiVersion: config.apiVersion });
    case 'compatible':
      return new OpenAI({ ...common, baseURL: config.baseURL });
  }
}

export async function transcribe(audio: Buffer, mime: string, config: TranscriptionConfig, signal?: AbortSignal): Promise<TranscriptionResult> {
  if (config.provider === 'none') return { ok: false, error: { kind: 'not_configured', message: 'no speech-to-text provider is configured (NOTES_STT_PROVIDER)', attempts: 0 } };
  const baseType = mime.split(';')[0]!.trim().toLowerCase();
  const extension = AUDIO_TYPES[baseType];
  if (!extension) return { ok: false, error: { kind: 'unsupported_audio', message: `audio type ${baseType || '(none)'} is not supported`, attempts: 0 } };
  if (audio.length === 0) return { ok: false, error: { kind: 'empty_audio', message: 'the recording is empty', attempts: 0 } };
  if (audio.length > MAX_AUDIO_BYTES) return { ok: false, error: { kind: 'too_large', message: `the recording exceeds ${MAX_AUDIO_BYTES} bytes`, attempts: 0 } };

  const api = client(config);
  const model = config.provider === 'azure' ? config.deployment : config.model;
  const started = performance.now();
  try {
    const { value, attempts } = await withRetries(
      config,
      // Whisper servers tell the format from the file name, so it carries the right extension.
      async () =>
        api.audio.transcriptions.create(
          {
            file: await toFile(audio, `dictation.${extension}`, { type: baseType }),
            model,
            response_format: 'json',
            ...(config.language ? { language: config.language } : {}),
          },
          signal ? { signal } : undefined,
        ),
      { signal },
    );
    return {
      ok: true,
      transcript: { text: value.text.trim(), provider: config.provider, model, latencyMs: Math.round((performance.now() - started) * 1000) / 1000, attempts },
    };
  } catch (error) {
    if (error instanceof NoteProviderError) {
      const kind = error.kind === 'timeout' || error.kind === 'rate_limited' ? error.kind : 'provider_error';
      return { ok: false, error: { kind, message: error.message, attempts: error.attempts } };
    }
    return { ok: false, error: { kind: 'provider_error', message: 'the transcription call failed', attempts: 0 } };
  }
}
