import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The page-cookie key of a station's data folder, made once (readable by its owner only), so a
 * browser tab's cookie still opens the station after a restart.
 */
export function loadCookieKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'host-cookie.key');
  try {
    const key = readFileSync(file);
    if (key.length === 32) return key;
  } catch {
    // No key yet: make one below.
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}
