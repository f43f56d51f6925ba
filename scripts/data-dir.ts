import { homedir } from 'node:os';
import path from 'node:path';
import { environment, type Env } from './config';

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Where the embedded database and the station's files live: WARDSTATION_DATA, else the OS's app-data folder. */
export function dataDir(env: Env = environment()): string {
  if (env.WARDSTATION_DATA) return path.resolve(env.WARDSTATION_DATA);
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(homedir(), 'AppData', 'Roaming'), 'WardStation');
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'WardStation');
  // PostgreSQL will not run as root; the embedded one then runs as a `postgres` system user,
  // which cannot enter root's private home folder.
  if (isRoot()) return '/var/lib/wardstation';
  return path.join(env.XDG_DATA_HOME ?? path.join(homedir(), '.local', 'share'), 'wardstation');
}

/** Folder modes: private to the user, but enterable (not listable) by the `postgres` user when run as root. */
export const DATA_DIR_MODE = isRoot() ? 0o711 : 0o700;
