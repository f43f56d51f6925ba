import { z } from 'zod';

/* Speech-to-text of a dictated note: the transcript is appended to the raw note's draft. */

export const TRANSCRIPTION_PROVIDERS = ['openai', 'azure', 'compatible'] as const;

/** Audio types the station records (MediaRecorder) and Whisper-style servers accept. */
export const AUDIO_TYPES: Record<string, string> = {
  'audio/webm': 'webm',
  'audio/ogg': 'ogg',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/m4a': 'm4a',
  'audio/flac': 'flac',
};

/** The hosted APIs' upload limit; longer dictations are split by the station. */
export const MAX_AUDIO_BYTES = 25 * 1024 * 1024;

export const TranscriptionFailure = z.object({
  kind: z.enum(['not_configured', 'empty_audio', 'unsupported_audio', 'too_large', 'timeout', 'rate_limited', 'provider_error']),
  message: z.string(),
  attempts: z.number().int().nonnegative(),
});
export type TranscriptionFailure = z.infer<typeof TranscriptionFailure>;

export const Transcript = z.object({
  text: z.string(),
  provider: z.enum(TRANSCRIPTION_PROVIDERS),
  model: z.string().min(1),
  latencyMs: z.number().nonnegative(),
  attempts: z.number().int().positive(),
});
export type Transcript = z.infer<typeof Transcript>;

export const TranscriptionResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), transcript: Transcript }),
  z.object({ ok: z.literal(false), error: TranscriptionFailure }),
]);
export type TranscriptionResult = z.infer<typeof TranscriptionResult>;
