import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { environment, type Env } from './config';
import { DATA_DIR_MODE, dataDir } from './data-dir';
import { dataFolderError } from '../server/startup';
import { freePort, portAnswers, startEmbeddedPostgres } from './embedded-pg';

/*
 * Which PostgreSQL the server, the admin CLI and the seed use: DATABASE_URL (app role) and
 * DATABASE_OWNER_URL (migrations, administration) when set; otherwise the embedded one under the
 * data folder, started here if it is not already running (e.g. under `npm start`).
 */

export interface DatabaseEnv {
  appUrl: string;
  ownerUrl: string;
  embedded: boolean;
  /** Stops the embedded PostgreSQL if this process started it. */
  release(): Promise<void>;
}

interface Secrets {
  port: number;
  superuserPassword: string;
  ownerPassword: string;
  appPassword: string;
}

const DB = 'wardstation';
const OWNER = 'wardstation_owner';
const APP = 'wardstation_server';

/** `onEvent`: what the embedded PostgreSQL's supervision has to say (it died, it is back). */
export async function resolveDatabase(env: Env = environment(), onEvent?: (message: string) => void): Promise<DatabaseEnv> {
  if (env.DATABASE_URL || env.DATABASE_OWNER_URL) {
    if (!env.DATABASE_OWNER_URL) throw new Error('DATABASE_OWNER_URL is required with DATABASE_URL for this command');
    return { appUrl: env.DATABASE_URL ?? '', ownerUrl: env.DATABASE_OWNER_URL, embedded: false, release: async () => {} };
  }
  const root = dataDir(env);
  const pgDir = path.join(root, 'pg');
  const secretsFile = path.join(root, 'db-secrets.json');
  const fresh = !existsSync(path.join(pgDir, 'PG_VERSION'));
  let secrets: Secrets;
  try {
    mkdirSync(root, { recursive: true, mode: DATA_DIR_MODE });
    chmodSync(root, DATA_DIR_MODE);
    if (fresh) rmSync(pgDir, { recursive: true, force: true });
    if (fresh || !existsSync(secretsFile)) {
      secrets = {
        port: await freePort(),
        superuserPassword: randomBytes(18).toString('base64url'),
        ownerPassword: randomBytes(18).toString('base64url'),
        appPassword: randomBytes(18).toString('base64url'),
      };
      writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    } else {
      secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Secrets;
    }
  } catch (e) {
    throw dataFolderError(root, e);
  }
  const url = (user: string, password: string, db = DB) =>
    `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${secrets.port}/${db}`;

  let release = async () => {};
  if (!(await portAnswers(secrets.port))) {
    const server = await startEmbeddedPostgres({
      dataDir: pgDir,
      port: secrets.port,
      password: secrets.superuserPassword,
      persistent: true,
      initialise: fresh,
      supervise: true,
      ...(onEvent ? { onEvent } : {}),
    }).catch((e: unknown) => {
      throw dataFolderError(pgDir, e);
    });
    release = () => server.stop();
  }
  if (fresh) await bootstrap(url('postgres', secrets.superuserPassword, 'postgres'), secrets.ownerPassword);
  return { appUrl: url(APP, secrets.appPassword), ownerUrl: url(OWNER, secrets.ownerPassword), embedded: true, release };
}

/** A new cluster gets a non-superuser owner role and the product's database. */
async function bootstrap(superuserUrl: string, ownerPassword: string): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    await client.query(`CREATE ROLE ${OWNER} LOGIN CREATEROLE NOSUPERUSER PASSWORD '${ownerPassword}'`);
    await client.query(`CREATE DATABASE ${DB} OWNER ${OWNER}`);
  } finally {
    await client.end();
  }
}
