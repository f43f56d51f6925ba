import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';

/* Dates (no time) stay 'YYYY-MM-DD' strings: a birth date must never shift with a time zone. */
const DATE_OID = 1082;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === DATE_OID) return (value: string) => value;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
};

export interface PoolOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
  /** How long a request waits for a connection (connecting, or queued behind a full pool). */
  acquireTimeoutMs?: number;
  /** PostgreSQL cancels any one statement running longer than this. */
  statementTimeoutMs?: number;
  /** PostgreSQL ends a session left idle inside a transaction this long (a stuck request holds no locks for ever). */
  idleInTransactionTimeoutMs?: number;
}

export const POOL_DEFAULTS = { acquireTimeoutMs: 10_000, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000 } as const;

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'wardstation',
    // Nothing waits for ever: a full pool or a dead database answers 503 within the acquire
    // timeout (server/db/unavailable.ts), a runaway statement is cancelled by PostgreSQL.
    connectionTimeoutMillis: options.acquireTimeoutMs ?? POOL_DEFAULTS.acquireTimeoutMs,
    statement_timeout: options.statementTimeoutMs ?? POOL_DEFAULTS.statementTimeoutMs,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? POOL_DEFAULTS.idleInTransactionTimeoutMs,
    types,
  });
  // An idle client's error (e.g. the server restarted) must not crash the process.
  pool.on('error', () => {});
  // Nor a checked-out one's: pg-pool listens only on idle clients, and a database that dies
  // between two statements of a transaction would otherwise throw an unhandled 'error' event.
  // The transaction's next statement fails instead, and the broken client is not reused.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createKysely<DB>(pool: pg.Pool): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
