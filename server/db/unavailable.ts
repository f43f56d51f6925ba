/*
 * Whether an error means the database cannot be reached (down, restarting, refusing connections,
 * or no pooled connection within the acquire timeout), rather than a bug: such requests answer
 * 503 with a sentence a person can act on, not 500 "internal error".
 */
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
/** SQLSTATE class 08 (connection), 57P01–57P03 (shutdown, crash recovery, cannot connect now), 53300 (too many connections). */
const SQLSTATES = /^(08...|57P0[1-3]|53300)$/;

export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (NODE_CODES.has(e.code) || SQLSTATES.test(e.code))) return true;
  const m = typeof e.message === 'string' ? e.message : '';
  // node-postgres says these in words, without a code.
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error|not queryable|terminating connection/i.test(m);
}

/** A statement cut by statement_timeout (57014), a lock wait cut by lock_timeout (55P03), a branch's queue full (branch-limiter.ts). */
export function isDatabaseBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '57014' || code === '55P03' || code === 'BRANCH_BUSY';
}
