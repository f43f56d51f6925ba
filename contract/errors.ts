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

/** A message as a sentence on a screen: capital first letter, full stop at the end. */
export function asSentence(message: string): string {
  const s = message.trim();
  if (s === '') return s;
  const first = s[0]!.toUpperCase() + s.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

export const NEEDS_SERVER_STATION = 'The server cannot be reached, and this needs it. Your work is saved on this station; try again when the network is back, and call IT support if it lasts.';

/**
 * A station error (its code and the station's or server's message) in words a clinician can act
 * on: what happened and what to do. Messages that already say both (the sign-in wait, the
 * database's state) are kept, as sentences; vague ones get their next step.
 */
export function stationErrorInWords(code: string, message: string): string {
  switch (code) {
    case 'unauthorized':
      // The throttle's own message names the wait and who to call: keep it.
      if (message.includes('too many sign-in attempts')) return asSentence(message);
      if (message.includes('too many wrong passwords')) return asSentence(message);
      if (message.includes('wrong password')) return 'Wrong password. Try again, or use Switch user.';
      if (message.includes('invalid username')) return 'Sign-in failed: check your username and password. If you have forgotten your password, call IT support.';
      return asSentence(message);
    case 'offline':
      if (message.includes('expired')) return 'The server cannot be reached, and your offline sign-in has expired. Sign in again when the network is back.';
      if (message.startsWith(DATABASE_UNREACHABLE) || message.includes('busy')) return asSentence(message);
      return NEEDS_SERVER_STATION;
    case 'locked':
      return 'The station is locked. Unlock it with your password.';
    case 'internal':
      return 'Something went wrong in the station. Try again; if it keeps happening, call IT support.';
    default:
      return asSentence(message);
  }
}
