import type { Kysely } from 'kysely';
import type { Database } from './database';

/**
 * The owner role's connection, with every table in its type: for migrations, the seed, the admin
 * CLI and test fixtures only. FORCE ROW LEVEL SECURITY binds the owner too, so patient rows still
 * need withBranch. The server's routes and domain modules never hold one (they get a SystemDb);
 * the layering lint rule keeps this import out of them.
 */
export type OwnerDb = Kysely<Database>;
