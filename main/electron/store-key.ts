import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { safeStorage } from 'electron';

/*
 * The station store's key under Electron: a random 32-byte key kept in the data folder only as
 * safeStorage ciphertext (DPAPI on Windows, the Keychain on macOS, libsecret/kwallet on Linux),
 * so the store's sealed columns cannot be read off the disk without the signed-in OS user.
 */
export function storeKeyFromSafeStorage(file: string): Buffer {
  if (!safeStorage.isEncryptionAvailable()) throw new Error('the OS offers no secure storage for the station key');
  if (existsSync(file)) {
    const key = Buffer.from(safeStorage.decryptString(readFileSync(file)), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte store key`);
    return key;
  }
  const key = randomBytes(32);
  writeFileSync(file, safeStorage.encryptString(key.toString('base64')), { mode: 0o600, flag: 'wx' });
  return key;
}
