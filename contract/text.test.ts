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
