import type { z } from 'zod';
import { HttpError } from './errors';

/** Validates input with a contract schema; the message names fields, never echoes values. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const fields = [...new Set(r.error.issues.map((i) => i.path.join('.') || '(body)'))].slice(0, 5);
    throw new HttpError(400, 'bad_request', `invalid input: ${fields.join(', ')}`);
  }
  return r.data;
}
