import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DATABASE_UNREACHABLE_STATION, NEEDS_SERVER_STATION, signInThrottledMessage, stationErrorInWords, waitInWords } from './errors';

test('waits are said in words a person can act on', () => {
  assert.equal(waitInWords(1), '1 second');
  assert.equal(waitInWords(45), '45 seconds');
  assert.equal(waitInWords(60), '1 minute');
  assert.equal(waitInWords(61), '2 minutes');
  assert.equal(waitInWords(900), '15 minutes');
  assert.equal(waitInWords(3 * 3600), '3 hours');
  assert.equal(signInThrottledMessage(900), 'too many sign-in attempts: wait 15 minutes and try again; if you have forgotten your password, call IT support');
});

test('station errors say what happened and what to do', () => {
  // The throttle's wait and who to call survive (before, any message with "password" became "check your username and password").
  assert.equal(stationErrorInWords('unauthorized', signInThrottledMessage(45)), 'Too many sign-in attempts: wait 45 seconds and try again; if you have forgotten your password, call IT support.');
  assert.equal(stationErrorInWords('unauthorized', 'invalid username, password or branch'), 'Sign-in failed: check your username and password. If you have forgotten your password, call IT support.');
  assert.equal(stationErrorInWords('unauthorized', 'wrong password: try again, or use Switch user'), 'Wrong password. Try again, or use Switch user.');
  assert.equal(stationErrorInWords('offline', DATABASE_UNREACHABLE_STATION), "The server's database is unreachable; your work is saved on this station.");
  assert.equal(stationErrorInWords('offline', 'this needs the server: the station is offline'), NEEDS_SERVER_STATION);
  assert.equal(stationErrorInWords('conflict', 'the draft changed since it was shown: review it again'), 'The draft changed since it was shown: review it again.');
  for (const code of ['unauthorized', 'offline', 'locked', 'internal', 'not_found', 'bad_request', 'conflict']) {
    const m = stationErrorInWords(code, 'x');
    assert.match(m, /^[A-Z].*[.!?]$/, `${code}: a sentence`);
  }
});
