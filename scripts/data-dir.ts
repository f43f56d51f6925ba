import { DATA_DIR_MODE, dataDir as dataDirOf } from '../server/data-dir';
import { environment, type Env } from './config';

// The data folder is the server's setting too (audit checkpoints): one definition, in server/.
export { DATA_DIR_MODE };

/** Where the embedded database, the station's files and the audit checkpoints live: WARDSTATION_DATA, else the OS's app-data folder. */
export function dataDir(env: Env = environment()): string {
  return dataDirOf(env);
}
