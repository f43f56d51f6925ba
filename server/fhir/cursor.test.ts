import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeCursor, encodeCursor } from './cursor';
import { FhirError } from './errors';

const secret = randomBytes(32);
const scope = { branchId: 1, type: 'Observation', canonical: 'code=2345-7&patient=x' };
const pos = { key: '2026-11-20T08:30:00.000000Z', id: '6be9f3c6-2dac-4acc-8cf5-11c3e91639fe' };

function refused(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (e) {
    return e instanceof FhirError && e.status === 400 && e.message === 'invalid or expired paging cursor';
  }
}

test('a cursor round-trips for its own branch and search only', () => {
  const c = encodeCursor(secret, scope, pos);
  assert.deepEqual(decodeCursor(secret, scope, c), pos);
  assert.ok(refused(() => decodeCursor(secret, { ...scope, branchId: 2 }, c)), 'another branch');
  assert.ok(refused(() => decodeCursor(secret, { ...scope, canonical: 'code=718-7' }, c)), 'another search');
  assert.ok(refused(() => decodeCursor(secret, { ...scope, type: 'Patient' }, c)), 'another type');
  assert.ok(refused(() => decodeCursor(randomBytes(32), scope, c)), 'another server secret');
  assert.ok(refused(() => decodeCursor(secret, scope, c, Date.now() + 2 * 3600_000)), 'expired');
});

test('a cursor reveals nothing of the row it points at', () => {
  const c = encodeCursor(secret, scope, pos);
  const decoded = Buffer.from(c, 'base64url').toString('latin1');
  assert.ok(!decoded.includes(pos.id) && !decoded.includes('2026') && !decoded.includes('code='));
});

test('altered and arbitrary cursors are refused alike', () => {
  const c = encodeCursor(secret, scope, pos);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: c.length - 1 }), fc.constantFrom(...'ABCxyz019_-'), (i, ch) => {
      const altered = c.slice(0, i) + ch + c.slice(i + 1);
      // A changed padding bit can decode to the same bytes: that is the same cursor.
      return Buffer.from(altered, 'base64url').equals(Buffer.from(c, 'base64url')) || refused(() => decodeCursor(secret, scope, altered));
    }),
  );
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => refused(() => decodeCursor(secret, scope, s))));
});
