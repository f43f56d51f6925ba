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
  if (options.preparedStatements) {
    sendsAhead.add(pool);
    // What a unit of work left to be sent ahead never outlives its checkout of the connection.
    pool.on('acquire', (client) => (client as unknown as Partial<AheadClient>).clearAhead?.());
    pool.on('release', (_err: unknown, client: pg.PoolClient) => (client as unknown as Partial<AheadClient>).clearAhead?.());
  }
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

/*
 * Statements sent ahead: withBranch's BEGIN and settings travel in the same write, and the same
 * round trip, as the unit of work's first statement, instead of one round trip of their own. A
 * unit of work hands them to its connection as a statement whose text starts with one of these
 * markers; a preparing client keeps it and sends it with the next statement. Any other client
 * runs the text as it is (a comment, then the statements): the same effect, one round trip more.
 */
const AHEAD_ONCE = '/* ahead: once */ ';
const AHEAD_EACH = '/* ahead: each */ ';
const AHEAD_END = '/* ahead: end */ SELECT 1';
const SEPARATOR = ';\n';

const sendsAhead = new WeakSet<object>();
const dbsSendingAhead = new WeakSet<object>();

/** Whether `db`'s connections send statements ahead (its pool's clients are preparing clients). */
export function sendsStatementsAhead(db: object): boolean {
  return dbsSendingAhead.has(db);
}

/** Statements (each complete, no parameters, no `;`) sent ahead of the next statement only. */
export function aheadOfNext(statements: readonly string[]): string {
  return `${AHEAD_ONCE}${statements.join(SEPARATOR)}`;
}

/**
 * A statement sent ahead of every following statement of this checkout, each pair in one
 * implicit transaction of its own (extended protocol: until the Sync that ends the pair), until
 * aheadEnd(). Only where sendsStatementsAhead(db) holds: elsewhere the statement runs once, alone.
 */
export function aheadOfEach(statement: string): string {
  return `${AHEAD_EACH}${statement}`;
}

export function aheadEnd(): string {
  return AHEAD_END;
}

interface AheadClient {
  clearAhead(): void;
}

/** What pg's Query does with the backend's messages, as far as AheadQuery changes it. */
interface QueryInternals {
  name?: string;
  hasBeenParsed(connection: PgConnection): boolean;
  submit(connection: PgConnection): Error | null;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: PgConnection): void;
  handleError(err: unknown, connection: PgConnection): void;
}
interface PgConnection {
  stream: { cork?: () => void; uncork?: () => void };
  parsedStatements: Record<string, string>;
  parse(q: { text: string; name: string; types: unknown[] }): void;
  bind(q: { portal: string; statement: string; values: unknown[] }): void;
  execute(q: { portal: string }): void;
}
const PgQuery = (pg as unknown as { Query: new (config: pg.QueryConfig, values?: undefined, callback?: (err: Error | null, res: pg.QueryResult) => void) => QueryInternals })
  .Query;

/**
 * A statement with others sent ahead of it in the same write: Parse/Bind/Execute of each, then
 * the statement as pg sends it (Parse when not yet prepared, Bind, Describe, Execute, Sync). The
 * backend answers all of them before one ReadyForQuery; the answers of the statements ahead
 * (their rows and completions) are not the statement's own and are skipped. An error in any of
 * them fails the statement, and the backend skips the rest up to the Sync.
 */
class AheadQuery extends PgQuery {
  #skip: number;
  readonly #ahead: readonly string[];
  #parsedBefore = true;

  constructor(config: pg.QueryConfig, ahead: readonly string[], callback: (err: Error | null, res: pg.QueryResult) => void) {
    super(config, undefined, callback);
    this.#ahead = ahead;
    this.#skip = ahead.length;
  }

  override submit(connection: PgConnection): Error | null {
    this.#parsedBefore = this.hasBeenParsed(connection);
    connection.stream.cork?.();
    try {
      for (const text of this.#ahead) {
        connection.parse({ text, name: '', types: [] });
        connection.bind({ portal: '', statement: '', values: [] });
        connection.execute({ portal: '' });
      }
      return super.submit(connection);
    } finally {
      connection.stream.uncork?.();
    }
  }

  override handleDataRow(msg: unknown): void {
    if (this.#skip === 0) super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: PgConnection): void {
    if (this.#skip > 0) this.#skip--;
    else super.handleCommandComplete(msg, connection);
  }

  override handleError(err: unknown, connection: PgConnection): void {
    // pg marks a named statement parsed at the first ParseComplete, which may have been one of
    // the statements ahead: if its own Parse then failed, it must be parsed again next time.
    if (!this.#parsedBefore && this.name) delete connection.parsedStatements[this.name];
    super.handleError(err, connection);
  }
}

const NOTHING_SENT = Promise.resolve({ command: null, rowCount: 0, rows: [], fields: [] });

/**
 * A pg client that names (prepares) up to `max` distinct parameterized statements of its
 * connection, and sends statements ahead (aheadOfNext, aheadOfEach).
 */
function preparingClient(max: number): typeof pg.Client {
  return class PreparingClient extends pg.Client implements AheadClient {
    readonly #names = new Map<string, string>();
    #once: string[] = [];
    #each: string | null = null;

    clearAhead(): void {
      this.#once = [];
      this.#each = null;
    }

    // pg's query() has many overloads; Kysely calls query(text, values), the only form changed here.
    override query(...args: unknown[]): never {
      const query = super.query.bind(this) as unknown as (...a: unknown[]) => never;
      const [text, values] = args;
      if (typeof text !== 'string' || !Array.isArray(values) || args.length !== 2) return query(...args);
      if (text.startsWith(AHEAD_ONCE)) {
        this.#once = text.slice(AHEAD_ONCE.length).split(SEPARATOR);
        return NOTHING_SENT as never;
      }
      if (text.startsWith(AHEAD_EACH)) {
        this.#each = text.slice(AHEAD_EACH.length);
        return NOTHING_SENT as never;
      }
      if (text === AHEAD_END) {
        this.clearAhead();
        return NOTHING_SENT as never;
      }
      const ahead = this.#each === null ? this.#once : [...this.#once, this.#each];
      this.#once = [];
      let config: pg.QueryConfig = { text, values };
      if (values.length > 0 && preparable(text)) {
        let name = this.#names.get(text);
        if (name === undefined && this.#names.size < max) {
          name = `w${createHash('sha1').update(text).digest('hex')}`;
          this.#names.set(text, name);
        }
        if (name !== undefined) config = { name, text, values };
      }
      if (ahead.length === 0) return query(config);
      if (values.length === 0) {
        // Nothing was started yet: a rollback has nothing to undo.
        if (/^\s*rollback\s*$/i.test(text) && this.#each === null) return NOTHING_SENT as never;
        // Without parameters the text may hold several statements: one simple-protocol message
        // (one implicit transaction when nothing in it says BEGIN), the answers ahead dropped.
        return (query(`${ahead.join('; ')}; ${text}`) as unknown as Promise<pg.QueryResult | pg.QueryResult[]>).then((r) => {
          const own = (r as pg.QueryResult[]).slice(ahead.length);
          return own.length === 1 ? own[0] : own;
        }) as never;
      }
      return new Promise<pg.QueryResult>((resolve, reject) => {
        query(new AheadQuery(config, ahead, (err, res) => (err ? reject(err) : resolve(res))));
      }) as never;
    }
  };
}

export function createKysely<DB>(pool: pg.Pool): Kysely<DB> {
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  if (sendsAhead.has(pool)) dbsSendingAhead.add(db);
  return db;
}
