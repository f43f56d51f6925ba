import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/*
 * Encryption at rest of the station store's sensitive columns (draft text, conflict texts, the
 * outbox's mutations, which carry draft text, and the station's credential). better-sqlite3
 * ships without SQLCipher, so the file itself is plain SQLite; these columns hold AES-256-GCM
 * ciphertext instead (`s1:` + base64 of iv | tag | ciphertext). Ids, statuses, times and
 * patient ids stay readable for the queries that need them.
 *
 * The key never lives in the store: Electron keeps it under the OS's safeStorage; main/host
 * keeps it in a key file (0600) in the data folder. A value written before encryption existed
 * (no prefix) still reads, and is sealed on its next write.
 */

export interface Sealer {
  seal(plain: string): string;
  open(stored: string): string;
}

const PREFIX = 's1:';

export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new Error('the store key is 32 bytes (AES-256)');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
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
