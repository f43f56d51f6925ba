import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import type { AuthPolicy } from '../auth/policy';
import type { Logger } from '../log';

/** What every route needs, built once in buildServer and passed explicitly. */
export interface AppContext {
  db: Kysely<Database>;
  policy: AuthPolicy;
  log: Logger;
  /** The app role's URL: the sync live channel LISTENs on its own connection. Without it, no live channel. */
  databaseUrl?: string;
}
