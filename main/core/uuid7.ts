import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * UUID v7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter, so the ids one station
 * makes sort in the order it made them (the server relies on it to ignore a stale edit of the
 * same station that arrives late). If the clock steps back, time is held at the last value.
 */
export function uuid7(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    lastMs++;
    counter = 0;
  }
  const b = randomBytes(16);
  let ms = lastMs;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = 0x70 | (counter >> 8);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Continue after the newest id already stored (e.g. in the outbox) across restarts. */
export function observeUuid7(id: string): void {
  const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  if (ms > lastMs) {
    lastMs = ms;
    counter = parseInt(id.slice(15, 18), 16);
  }
}
