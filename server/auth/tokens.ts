import { createHash, randomBytes } from 'node:crypto';

/** Opaque bearer secrets. Only their SHA-256 is stored, so a database dump yields no usable token. */
export function newSecret(prefix: 'wss' | 'wsc' | 'wsk'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
