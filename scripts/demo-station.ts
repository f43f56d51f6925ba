import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { enrolStation } from '../server/admin/credentials';
import type { Database } from '../server/db/database';
import { DATA_DIR_MODE } from './data-dir';

/*
 * The demo station of `npm start`: enrolled once (north, internal medicine) and its credential
 * kept in the data folder, readable by this user only. A database made anew (the station row is
 * gone) gets a new enrolment.
 */
export interface DemoStation {
  dir: string;
  credentialFile: string;
  credential: string;
}

export async function ensureDemoStation(owner: Kysely<Database>, dataDir: string): Promise<DemoStation> {
  const dir = path.join(dataDir, 'station');
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  // The station's SQLite store (patient data) lives below: this user only.
  mkdirSync(path.join(dir, 'data'), { recursive: true, mode: 0o700 });
  const credentialFile = path.join(dir, 'credential');
  const idFile = path.join(dir, 'station-id');
  if (existsSync(credentialFile) && existsSync(idFile)) {
    const id = readFileSync(idFile, 'utf8').trim();
    const known = await owner.selectFrom('stations').select('id').where('id', '=', id).executeTakeFirst();
    if (known) return { dir, credentialFile, credential: readFileSync(credentialFile, 'utf8').trim() };
  }
  const { id, credential } = await enrolStation(owner, 'north', 'n-med', 'Demo ward station', 'npm-start');
  writeFileSync(credentialFile, credential, { mode: 0o600 });
  chmodSync(credentialFile, 0o600);
  writeFileSync(idFile, id, { mode: 0o600 });
  return { dir, credentialFile, credential };
}
