/**
 * Seeded randomness for fixtures. sfc32 keeps 128 bits of state, so forked
 * streams (one per patient, per note…) practically never collide — with a
 * 32-bit generator, 10k forks would share a seed about 1% of the time and
 * silently duplicate "unique" keys.
 */

/** 128-bit string hash (cyrb128); spreads `seed/label` over all four sfc32 words. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

// uuid() runs ~10^5 times for a big fixture. Writing char codes and converting once yields
// a flat 36-char string; a template literal would leave a rope of ~20 nodes per id in the heap.
const HEX_CODES = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];
const UUID_BUF: number[] = new Array<number>(36).fill(45);
const UUID_SLOTS = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];

function writeWord(word: number, slotStart: number): void {
  for (let k = 0; k < 8; k++) {
    const slot = UUID_SLOTS[slotStart + k] ?? 0;
    UUID_BUF[slot] = HEX_CODES[(word >>> (28 - 4 * k)) & 15] ?? 48;
  }
}

/** Seeds are taken modulo 2^32, so every 32-bit integer (signed or not) is its own stream. */
export function normalizeSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  return Math.trunc(seed) >>> 0;
}

export class Rng {
  readonly seed: number;
  readonly path: string;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, path = 'root') {
    this.seed = normalizeSeed(seed);
    this.path = path;
    [this.#a, this.#b, this.#c, this.#d] = cyrb128(`${this.seed}/${path}`);
    // sfc32's first outputs are correlated with the seed words; discard them.
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** An independent stream that depends only on (seed, path, label), never on how much
   *  of this stream was consumed — so adding labs never changes the patients. */
  fork(label: string): Rng {
    return new Rng(this.seed, `${this.path}/${label}`);
  }

  uint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(`int(${min}, ${max}): need integers with min <= max`);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks by relative weight; zero-weight entries are never chosen. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) {
      if (!(w >= 0)) throw new RangeError(`weighted(): negative or NaN weight ${w}`);
      total += w;
    }
    if (total <= 0) throw new RangeError('weighted(): weights sum to zero');
    let r = this.next() * total;
    for (const [value, w] of entries) {
      if (r < w) return value;
      r -= w;
    }
    // Floating-point residue can leave r == total; fall back to the last positive entry.
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (entry !== undefined && entry[1] > 0) return entry[0];
    }
    throw new RangeError('weighted(): unreachable');
  }

  /** Fisher–Yates on a copy; the input is left untouched. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }

  /** `count` distinct items (by position), in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    return this.shuffle(items).slice(0, Math.max(0, Math.min(count, items.length)));
  }

  /** RFC 4122 layout with version 4 and variant 10xx, drawn from this stream. */
  uuid(): string {
    const a = this.uint32();
    const b = ((this.uint32() & 0xffff0fff) | 0x00004000) >>> 0;
    const c = ((this.uint32() & 0x3fffffff) | 0x80000000) >>> 0;
    const d = this.uint32();
    writeWord(a, 0);
    writeWord(b, 8);
    writeWord(c, 16);
    writeWord(d, 24);
    return String.fromCharCode.apply(null, UUID_BUF);
  }
}

export function createRng(seed: number, path = 'root'): Rng {
  return new Rng(seed, path);
}

export const UUID_V4_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
