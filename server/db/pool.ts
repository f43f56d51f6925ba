import { createHash } from 'node:crypto';
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
  /**
   * How many statements each connection keeps prepared (0: none). A statement with parameters is
   * then parsed and planned once per connection, not at every execution: PostgreSQL keeps its
   * plan (a generic one once it costs no more than the custom ones), which halves the database's
   * CPU for a FHIR search (bench/fhir.ts). Values stay bound parameters.
   */
  preparedStatements?: number;
}

export const POOL_DEFAULTS = { acquireTimeoutMs: 10_000, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000 } as const;

/**
 * Statements each connection of the server's app and read pools keeps prepared. A cached plan
 * takes memory in its PostgreSQL backend (tens of kB for a FHIR search): the bound keeps a pool's
 * total small, and the hot statements (searches, sign-in, pull, push) are far fewer than this.
 */
export const PREPARED_PER_CONNECTION = 50;

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
    ...(options.preparedStatements ? { Client: preparingClient(options.preparedStatements) } : {}),
  });
  // An idle client's error (e.g. the server restarted) must not crash the process.
  pool.on('error', () => {});
  // Nor a checked-out one's: pg-pool listens only on idle clients, and a database that dies
  // between two statements of a transaction would otherwise throw an unhandled 'error' event.
  // The transaction's next statement fails instead, and the broken client is not reused.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * Statements whose result columns follow a table's definition (`*`) are never prepared: an
 * additive migration run under a live server (blue-green) would make PostgreSQL refuse the
 * cached plan ("cached plan must not change result type").
 */
export function preparable(text: string): boolean {
  return !text.replace(/count\(\*\)/gi, '').includes('*');
}

/** A pg client that names (prepares) up to `max` distinct parameterized statements of its connection. */
function preparingClient(max: number): typeof pg.Client {
  return class PreparingClient extends pg.Client {
    readonly #names = new Map<string, string>();
    // pg's query() has many overloads; Kysely calls query(text, values), the only form changed here.
    override query(...args: unknown[]): never {
      const query = super.query.bind(this) as unknown as (...a: unknown[]) => never;
      const [text, values] = args;
      if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && args.length === 2 && preparable(text)) {
        let name = this.#names.get(text);
        if (name === undefined && this.#names.size < max) {
          name = `w${createHash('sha1').update(text).digest('hex')}`;
          this.#names.set(text, name);
        }
        if (name !== undefined) return query({ name, text, values } satisfies pg.QueryConfig);
      }
      return query(...args);
    }
  };
}

export function createKysely<DB>(pool: pg.Pool): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
