import type pg from 'pg';

/** Counts the statements (round trips) the pg clients of this process send, between start() and take(). */
export function countQueries(client: typeof pg.Client): { start(): void; take(): number } {
  let n = 0;
  const proto = client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    n++;
    return original.apply(this, a);
  };
  return {
    start() {
      n = 0;
    },
    take() {
      return n;
    },
  };
}
