import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

/*
 * Offline unlock: one scrypt derivation of the password gives 64 bytes. The first half is the
 * stored verifier; the second half never leaves memory and seals the user's server session token
 * (AES-256-GCM), so a copied station database yields neither password nor usable token.
 */

const N = 1 << 15;
const R = 8;
const P = 1;

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFC'), salt, 64, { N, r: R, p: P, maxmem: 128 * N * R * 2 }, (e, k) => (e ? reject(e) : resolve(k))),
  );
}

export interface Sealed {
  verifier: string;
  key: Buffer;
}

export async function createVerifier(password: string): Promise<Sealed> {
  const salt = randomBytes(16);
  const k = await derive(password, salt);
  return { verifier: `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${k.subarray(0, 32).toString('base64')}`, key: k.subarray(32) };
}

/** The sealing key when the password matches, otherwise null. */
export async function checkVerifier(password: string, verifier: string): Promise<Buffer | null> {
  const parts = verifier.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt' || Number(parts[1]) !== N) return null;
  const k = await derive(password, Buffer.from(parts[4]!, 'base64'));
  const expected = Buffer.from(parts[5]!, 'base64');
  return expected.length === 32 && timingSafeEqual(k.subarray(0, 32), expected) ? k.subarray(32) : null;
}

export function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return [iv, c.getAuthTag(), body].map((b) => b.toString('base64')).join('.');
}

export function unseal(key: Buffer, box: string): string | null {
  try {
    const [iv, tag, body] = box.split('.').map((s) => Buffer.from(s, 'base64'));
    const d = createDecipheriv('aes-256-gcm', key, iv!);
    d.setAuthTag(tag!);
    return Buffer.concat([d.update(body!), d.final()]).toString('utf8');
  } catch {
    return null;
  }
}
