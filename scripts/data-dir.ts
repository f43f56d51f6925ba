import { homedir } from 'node:os';
import path from 'node:path';

/** Where the embedded database and the station's files live: WARDSTATION_DATA, else the OS's app-data folder. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WARDSTATION_DATA) return path.resolve(env.WARDSTATION_DATA);
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(homedir(), 'AppData', 'Roaming'), 'WardStation');
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'WardStation');
  return path.join(env.XDG_DATA_HOME ?? path.join(homedir(), '.local', 'share'), 'wardstation');
}
