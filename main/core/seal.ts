import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/*
 * Encryption at rest of the station store's sensitive columns (draft text, conflict texts, the
 * outbox's mutations, which carry draft text, the station's credential, the ward cache's rows —
 * patients, results, medications, SOAP drafts — the locally recorded vitals and allergies, and
 * dictation audio). better-sqlite3 ships without SQLCipher, so the file itself is plain SQLite;
 * these columns hold AES-256-GCM ciphertext instead (`s1:` + base64 of iv | tag | ciphertext; a
 * BLOB: the bytes `S1B` + iv | tag | ciphertext). Ids, statuses, times and patient ids stay
 * readable for the queries that need them.
 *
 * The key never lives in the store: Electron keeps it under the OS's safeStorage; main/host
 * keeps it in a key file (0600) in the data folder. A value written before encryption existed
 * (no prefix) still reads, and is sealed on its next write.
 */

export interface Sealer {
  seal(plain: string): string;
  /**
   * Seals many values at once, each as `seal` would (its own random IV and tag): the IVs come
   * from one draw of the system's random generator. A ward's bootstrap seals tens of thousands
   * of rows; one draw per row was a third of the sealing. A value given as bytes is UTF-8 text
   * already (a pull page's row): sealed as is, it reads back as that text.
   */
  sealMany(plains: readonly (string | Uint8Array)[]): string[];
  open(stored: string): string;
  sealBytes(plain: Buffer): Buffer;
  openBytes(stored: Buffer): Buffer;
}

const PREFIX = 's1:';
const BYTES_PREFIX = Buffer.from('S1B', 'latin1');
/** What sealing adds to a BLOB: prefix, iv and tag. */
export const SEALED_BYTES_OVERHEAD = BYTES_PREFIX.length + 12 + 16;

/** Whether a stored value is already sealed (values from before sealing are not). */
export function isSealed(stored: string | Buffer): boolean {
  return typeof stored === 'string' ? stored.startsWith(PREFIX) : stored.subarray(0, BYTES_PREFIX.length).equals(BYTES_PREFIX);
}

export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new Error('the store key is 32 bytes (AES-256)');
  // A key object: the cipher does not import a raw key again for every value.
  const k: KeyObject = createSecretKey(key);
  const sealWith = (iv: Buffer, plain: string | Uint8Array) => {
    const c = createCipheriv('aes-256-gcm', k, iv);
    const body = c.update(typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain);
    c.final();
    return PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
  };
  return {
    seal: (plain) => sealWith(randomBytes(12), plain),
    sealMany(plains) {
      const ivs = randomBytes(12 * plains.length);
      return plains.map((plain, i) => sealWith(ivs.subarray(12 * i, 12 * i + 12), plain));
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
      const d = createDecipheriv('aes-256-gcm', k, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    },
    sealBytes(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', k, iv);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([BYTES_PREFIX, iv, c.getAuthTag(), body]);
    },
    openBytes(stored) {
      if (!isSealed(stored)) return stored;
      const p = BYTES_PREFIX.length;
      const d = createDecipheriv('aes-256-gcm', k, stored.subarray(p, p + 12));
      d.setAuthTag(stored.subarray(p + 12, p + 28));
      return Buffer.concat([d.update(stored.subarray(p + 28)), d.final()]);
    },
  };
}

/** main/host's key provider: a random key in a 0600 file, created on first use. */
export function keyFromFile(file: string): Buffer {
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte store key`);
    return key;
  }
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  return key;
}
