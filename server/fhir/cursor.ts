import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { badRequest } from './errors';

/*
 * Paging cursors are opaque: AES-256-GCM over a small payload, keyed from the server secret.
 * Encryption, not just a signature: a cursor names the last row served (its id and sort time),
 * and a link that travels to someone else must not reveal even that. The payload binds the
 * cursor to the caller's branch, the resource type and the exact search (its canonical query),
 * and it expires. Another branch's cursor, an altered one and an expired one all get the same
 * answer, which reveals nothing.
 */

export interface CursorPosition {
  /** The sort key of the last row served (exact ISO time) and its id: keyset paging. */
  key: string;
  id: string;
}

export interface CursorScope {
  branchId: number;
  type: string;
  canonical: string;
}

interface Payload {
  b: number;
  t: string;
  q: string;
  k: string;
  i: string;
  e: number;
}

const TTL_MS = 60 * 60 * 1000;
const INVALID = 'invalid or expired paging cursor';
const keys = new WeakMap<Buffer, Buffer>();

function keyFor(secret: Buffer): Buffer {
  let k = keys.get(secret);
  if (!k) {
    k = createHmac('sha256', secret).update('fhir paging cursor v1').digest();
    keys.set(secret, k);
  }
  return k;
}

/** The search a cursor belongs to, as a short digest: the cursor stays small whatever the query. */
function digest(canonical: string): string {
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

export function encodeCursor(secret: Buffer, scope: CursorScope, pos: CursorPosition, now = Date.now()): string {
  const payload: Payload = { b: scope.branchId, t: scope.type, q: digest(scope.canonical), k: pos.key, i: pos.id, e: now + TTL_MS };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The position a cursor names, if we issued it for this branch and this search; otherwise a 400. */
export function decodeCursor(secret: Buffer, scope: CursorScope, cursor: string, now = Date.now()): CursorPosition {
  if (cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badRequest(INVALID);
  const raw = Buffer.from(cursor, 'base64url');
  if (raw.length < 29) throw badRequest(INVALID);
  let p: Payload;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    p = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as Payload;
  } catch {
    throw badRequest(INVALID);
  }
  if (p.b !== scope.branchId || p.t !== scope.type || p.q !== digest(scope.canonical) || !(p.e > now)) throw badRequest(INVALID);
  if (typeof p.k !== 'string' || typeof p.i !== 'string') throw badRequest(INVALID);
  return { key: p.k, id: p.i };
}
