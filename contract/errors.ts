import { z } from 'zod';

/** Every JSON error of the /api routes has this shape; no stack traces, no SQL. */
export const ApiErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export const ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A wait a person can act on: "45 seconds", "1 minute", "15 minutes" (rounded up). */
export function waitInWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  if (m < 120) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.ceil(m / 60);
  return `${h} hours`;
}

/** What a person sees when sign-in is throttled: how long to wait, and who can help. */
export function signInThrottledMessage(retryAfterSeconds: number): string {
  return `too many sign-in attempts: wait ${waitInWords(retryAfterSeconds)} and try again; if you have forgotten your password, call IT support`;
}

/** The server answers 503 `unavailable` with this, when its database cannot be reached. */
export const DATABASE_UNREACHABLE = "the server's database is unreachable";
export const DATABASE_UNREACHABLE_SERVER = `${DATABASE_UNREACHABLE}; try again in a minute, and call IT support if it lasts`;
/** What a station screen says instead: the work a person did is safe where they are. */
export const DATABASE_UNREACHABLE_STATION = `${DATABASE_UNREACHABLE}; your work is saved on this station`;
