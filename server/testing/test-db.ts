import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { createKysely, createPool, PREPARED_PER_CONNECTION } from '../db/pool';
import { createSystemDb, type SystemDb } from '../db/system-db';

/*
 * A fresh, migrated database per test file on a real PostgreSQL: the one scripts/test.ts
 * started (embedded) or the server DATABASE_URL names. Each gets its own owner and app login
 * roles, exactly as production does.
 */

export interface TestDatabase {
  name: string;
  ownerUrl: string;
  appUrl: string;
  /** Connected as the least-privileged app role, and typed as the server sees it: patient tables only through withBranch. */
  app: SystemDb;
  /** Connected as the owner (migrations, admin CLI, seed). Bound by FORCE RLS like everyone. */
  owner: Kysely<Database>;
  close(): Promise<void>;
}

export function adminUrl(): string {
  const url = process.env.WARDSTATION_TEST_ADMIN_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('no PostgreSQL for tests: run them through `npm test` (scripts/test.ts)');
  return url;
}

function withCredentials(base: string, user: string, password: string, database: string): string {
  const u = new URL(base);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  u.pathname = `/${database}`;
  return u.toString();
}

/** `adminUrl`: a superuser of another cluster than the suite's (a scratch primary with a standby). */
export async function createTestDatabase(options: { appPoolSize?: number; adminUrl?: string } = {}): Promise<TestDatabase> {
  const base = options.adminUrl ?? adminUrl();
  const stamp = Math.floor(Date.now() / 1000).toString(36);
  const name = `wt_${stamp}_${randomBytes(4).toString('hex')}`;
  const ownerRole = `${name}_owner`;
  const appRole = `${name}_login`;
  const ownerPassword = randomBytes(12).toString('hex');
  const appPassword = randomBytes(12).toString('hex');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE "${ownerRole}" LOGIN CREATEROLE NOSUPERUSER PASSWORD '${ownerPassword}'`);
    await admin.query(`CREATE DATABASE "${name}" OWNER "${ownerRole}"`);
  } finally {
    await admin.end();
  }
  const ownerUrl = withCredentials(base, ownerRole, ownerPassword, name);
  const appUrl = withCredentials(base, appRole, appPassword, name);
  await migrateToLatest(ownerUrl, appUrl);
  const app = createSystemDb(createPool({ connectionString: appUrl, max: options.appPoolSize ?? 4, preparedStatements: PREPARED_PER_CONNECTION }));
  const owner = createKysely<Database>(createPool({ connectionString: ownerUrl, max: 2 }));
  return {
    name,
    ownerUrl,
    appUrl,
    app,
    owner,
    async close() {
      await app.destroy();
      await owner.destroy();
      await dropTestDatabase(name, base);
    },
  };
}

export async function dropTestDatabase(name: string, url = adminUrl()): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    for (const role of [`${name}_login`, `${name}_app`, `${name}_owner`]) {
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    }
  } finally {
    await admin.end();
  }
}
