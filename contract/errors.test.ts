import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signInThrottledMessage, waitInWords } from './errors';

test('waits are said in words a person can act on', () => {
  assert.equal(waitInWords(1), '1 second');
  assert.equal(waitInWords(45), '45 seconds');
  assert.equal(waitInWords(60), '1 minute');
  assert.equal(waitInWords(61), '2 minutes');
  assert.equal(waitInWords(900), '15 minutes');
  assert.equal(waitInWords(3 * 3600), '3 hours');
  assert.equal(signInThrottledMessage(900), 'too many sign-in attempts: wait 15 minutes and try again; if you have forgotten your password, call IT support');
});
