/*
 * One rule for text crossing a boundary (every server route, the sync protocol, the station API
 * and FHIR). PostgreSQL text and jsonb cannot hold U+0000 or half of a surrogate pair (half an
 * emoji, left by a cut-and-paste or a truncation), so such text is refused with the field named,
 * or, for clinical text a person typed, replaced with U+FFFD, a visible mark. Bidirectional
 * control characters can make a signed sentence read differently from what is stored (U+202E
 * reverses it), so names refuse them and clinical text has them removed, with the removal shown.
 */

declare global {
  // ES2024, in Node 20 and the station's Chromium; the project's lib is ES2023.
  interface String {
    isWellFormed(): boolean;
  }
}

export type TextProblem = 'nul' | 'lone_surrogate' | 'bidi_control';

const NUL = '\u0000';
/** Each half character, to replace (finding one is the engine's isWellFormed). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');
/**
 * Embeddings and overrides (U+202A–E) and isolates (U+2066–9): they reorder what is displayed.
 * The marks (LRM, RLM, ALM) only nudge neutral characters and belong to ordinary Arabic and
 * Hebrew writing (a number after Arabic text), so they stay.
 */
const BIDI = /[\u202A-\u202E\u2066-\u2069]/;
const BIDI_ALL = new RegExp(BIDI.source, 'g');

/** Object keys that hold a person's or a place's name, wherever they appear in a body. */
const NAME_KEYS = new Set(['family', 'given', 'prefix', 'suffix', 'username', 'displayName', 'display_name', 'name', 'familyName', 'givenNames']);

export const TEXT_PROBLEM_MESSAGES: Record<TextProblem, string> = {
  nul: 'contains a NUL character',
  lone_surrogate: 'contains half of a character (a broken emoji or symbol)',
  bidi_control: 'contains a text-direction control character',
};

/** What is wrong with one string, if anything; bidi controls only count where `name` is set. */
export function textProblem(s: string, name = false): TextProblem | null {
  if (s.includes(NUL)) return 'nul';
  // The engine's own check (ES2024): a pushed batch of drafts is scanned in a third of the
  // regular expression's time; contract/text.test.ts checks both agree.
  if (!s.isWellFormed()) return 'lone_surrogate';
  if (name && BIDI.test(s)) return 'bidi_control';
  return null;
}

export interface BadText {
  /** Dotted path of the field, e.g. `name.0.family` or `mutations.3.payload.text`. */
  field: string;
  problem: TextProblem;
}

/** One walk's state: module-level functions, not closures made per call (a push checks each of its 500 mutations). */
interface Walk {
  budget: number;
  cleaned: ReadonlySet<string> | undefined;
  prefix: string;
  /** The keys from the root to the value being read: a dotted path is built only for the field reported (and where cleanedLater asks). */
  keys: string[];
}

function pathTo(w: Walk, last: string): string {
  let path = w.prefix;
  for (const k of w.keys) path = path ? `${path}.${k}` : k;
  return path ? `${path}.${last}` : last;
}

function walkValue(w: Walk, v: unknown, name: boolean): BadText | null {
  if (--w.budget < 0) return null;
  if (typeof v === 'string') {
    const p = textProblem(v, name);
    if (!p) return null;
    const last = w.keys.pop();
    return { field: (last === undefined ? w.prefix : pathTo(w, last)) || '(body)', problem: p };
  }
  if (typeof v !== 'object' || v === null) return null;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (w.cleaned && typeof x === 'string' && w.cleaned.has(pathTo(w, String(i)))) continue;
      w.keys.push(String(i));
      const r = walkValue(w, x, name);
      if (r) return r;
      w.keys.pop();
    }
    return null;
  }
  for (const k of Object.keys(v)) {
    const kp = textProblem(k);
    if (kp) return { field: pathTo(w, k), problem: kp };
    const x: unknown = (v as Record<string, unknown>)[k];
    if (w.cleaned && typeof x === 'string' && w.cleaned.has(pathTo(w, k))) continue;
    w.keys.push(k);
    const r = walkValue(w, x, NAME_KEYS.has(k));
    if (r) return r;
    w.keys.pop();
  }
  return null;
}

/**
 * The first bad string anywhere in a parsed body, query or path (keys included), walking at most
 * `maxNodes` values: a body is already bounded by the size limit, this bounds the walk as well.
 * Fields in `cleanedLater` (clinical text the receiver replaces, cleanClinicalText) are skipped.
 */
export function findBadText(value: unknown, options: { prefix?: string; cleanedLater?: ReadonlySet<string>; maxNodes?: number } = {}): BadText | null {
  return walkValue({ budget: options.maxNodes ?? 200_000, cleaned: options.cleanedLater, prefix: options.prefix ?? '', keys: [] }, value, false);
}

export function badTextMessage(b: BadText): string {
  return `invalid input: ${b.field} ${TEXT_PROBLEM_MESSAGES[b.problem]}`;
}

export interface CleanedText {
  text: string;
  /** NULs and half characters replaced with U+FFFD. */
  replaced: number;
  /** Direction controls removed. */
  bidiRemoved: number;
}

/** Clinical text as a person typed it, made storable: what was changed is counted, to be shown. */
export function cleanClinicalText(s: string): CleanedText {
  let replaced = 0;
  let bidiRemoved = 0;
  let text = s;
  if (text.includes(NUL)) text = text.replaceAll(NUL, () => (replaced++, '\uFFFD'));
  if (!text.isWellFormed()) text = text.replace(LONE_SURROGATE_ALL, () => (replaced++, '\uFFFD'));
  if (BIDI.test(text)) text = text.replace(BIDI_ALL, () => (bidiRemoved++, ''));
  return { text, replaced, bidiRemoved };
}

/** A zod refinement for a free-text field: `z.string().refine(isCleanText, CLEAN_TEXT_ISSUE)`. */
export function isCleanText(s: string): boolean {
  return textProblem(s) === null;
}
export function isCleanName(s: string): boolean {
  return textProblem(s, true) === null;
}
export const CLEAN_TEXT_ISSUE = { message: 'contains a NUL character or half of a character' };
export const CLEAN_NAME_ISSUE = { message: 'contains a NUL, half of a character or a text-direction control' };
