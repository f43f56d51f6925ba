/**
 * UUID v7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter, so the ids one station
 * makes sort in the order it made them (the server relies on it to ignore a stale edit of the
 * same station that arrives late). If the clock steps back, time is held at the last value.
 */
export declare function uuid7(now?: number): string;
/** Continue after the newest id already stored (e.g. in the outbox) across restarts. */
export declare function observeUuid7(id: string): void;
