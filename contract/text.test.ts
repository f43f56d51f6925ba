import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { badTextMessage, cleanClinicalText, findBadText, textProblem } from './text';

test('NUL and half characters are found wherever they are, with the field named', () => {
  assert.equal(textProblem('ok 😀'), null);
  assert.equal(textProblem('a\u0000b'), 'nul');
  assert.equal(textProblem('pain \uD83D'), 'lone_surrogate');
  assert.equal(textProblem('\uDE00 first'), 'lone_surrogate');
  assert.deepEqual(findBadText({ name: [{ family: 'Haddad', given: ['Omar', 'x\uDC00'] }] }), { field: 'name.0.given.1', problem: 'lone_surrogate' });
  assert.deepEqual(findBadText({ a: { ['k\u0000']: 1 } }), { field: 'a.k\u0000', problem: 'nul' });
  assert.equal(findBadText({ n: 1, b: true, x: null, list: ['fine'] }), null);
  assert.equal(badTextMessage({ field: 'payload.text', problem: 'nul' }), 'invalid input: payload.text contains a NUL character');
});

test('direction controls are refused in names, and allowed in other text', () => {
  const reversed = 'Ali \u202Edemhcae\u202C';
  assert.deepEqual(findBadText({ name: [{ family: reversed }] }), { field: 'name.0.family', problem: 'bidi_control' });
  assert.deepEqual(findBadText({ displayName: reversed }), { field: 'displayName', problem: 'bidi_control' });
  assert.equal(findBadText({ note: reversed }), null);
  // The marks belong to ordinary Arabic writing and stay everywhere.
  assert.equal(findBadText({ family: 'حداد\u200F' }), null);
});

test('clinical text is cleaned, and what was changed is counted', () => {
  assert.deepEqual(cleanClinicalText('BP 120/80\u0000 \uD83D ok \u202Egnorw\u202C 😀'), { text: 'BP 120/80\uFFFD \uFFFD ok gnorw 😀', replaced: 2, bidiRemoved: 2 });
  assert.equal(findBadText({ text: 'x\u0000' }, { cleanedLater: new Set(['text']) }), null);
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const c = cleanClinicalText(s);
      assert.equal(textProblem(c.text, true), null);
      if (c.replaced === 0 && c.bidiRemoved === 0) assert.equal(c.text, s);
    }),
  );
});

/*
 * The check as it was before it asked the engine (String.prototype.isWellFormed) and built a
 * field's path only for the field reported: kept here as the reference the new one must agree with.
 */
const OLD_LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const OLD_NAME_KEYS = new Set(['family', 'given', 'prefix', 'suffix', 'username', 'displayName', 'display_name', 'name', 'familyName', 'givenNames']);
function oldTextProblem(s: string, name = false): ReturnType<typeof textProblem> {
  if (s.includes('\u0000')) return 'nul';
  if (OLD_LONE_SURROGATE.test(s)) return 'lone_surrogate';
  if (name && /[\u202A-\u202E\u2066-\u2069]/.test(s)) return 'bidi_control';
  return null;
}
function oldFindBadText(value: unknown, options: { prefix?: string; cleanedLater?: ReadonlySet<string>; maxNodes?: number } = {}): ReturnType<typeof findBadText> {
  let budget = options.maxNodes ?? 200_000;
  const cleaned = options.cleanedLater;
  const walk = (v: unknown, path: string, name: boolean): ReturnType<typeof findBadText> => {
    if (--budget < 0) return null;
    if (typeof v === 'string') {
      const p = oldTextProblem(v, name);
      return p ? { field: path || '(body)', problem: p } : null;
    }
    if (typeof v !== 'object' || v === null) return null;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return null;
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    for (const [k, x] of entries) {
      const at = path ? `${path}.${k}` : k;
      const kp = oldTextProblem(k);
      if (kp) return { field: at, problem: kp };
      if (cleaned?.has(at) && typeof x === 'string') continue;
      const r = walk(x, at, Array.isArray(v) ? name : OLD_NAME_KEYS.has(k));
      if (r) return r;
    }
    return null;
  };
  return walk(value, options.prefix ?? '', false);
}

/** Strings rich in what the check looks for: surrogate halves (paired or not), NUL, direction controls. */
const tricky = fc
  .array(
    fc.oneof(
      fc.constantFrom('\uD83D', '\uDE00', '\uD83D\uDE00', '\uDBFF', '\uDC00', '\u0000', '\u202E', '\u2066', '\u200F', '😀', 'a', ' ', 'é', '\uFFFD'),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

test('the engine\'s check of half characters agrees with the regular expression it replaced', () => {
  fc.assert(
    fc.property(tricky, fc.boolean(), (s, name) => {
      assert.equal(textProblem(s, name), oldTextProblem(s, name));
      assert.equal(oldTextProblem(cleanClinicalText(s).text, true), null);
    }),
    { numRuns: 5000 },
  );
});

test('findBadText names the same field as before, paths built only for the field reported', () => {
  const keyed = fc.oneof(fc.constantFrom('text', 'name', 'given', 'family', 'payload', 'mutations', ''), tricky);
  const body = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.constant(null), tie('list'), tie('record')),
    list: fc.array(tie('value'), { maxLength: 4 }),
    record: fc.dictionary(keyed, tie('value'), { maxKeys: 4 }),
  })).value;
  const options = fc.record(
    {
      prefix: fc.constantFrom('', 'path', 'query'),
      cleanedLater: fc.constantFrom(new Set(['text']), new Set(['payload.text', 'mutations.0.payload.text'])),
      maxNodes: fc.integer({ min: 0, max: 30 }),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(body, options, (v, o) => {
      assert.deepEqual(findBadText(v, o), oldFindBadText(v, o));
    }),
    { numRuns: 3000 },
  );
});
