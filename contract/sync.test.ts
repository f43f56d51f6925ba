import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PullResponse } from './sync';

test('a pull page with an entity this version does not know still parses (a newer server, an older station)', () => {
  const page = {
    changes: [
      { seq: '1', entity: 'patient', id: '6a264c9d-44f4-4f1f-867b-815dfdc29622', data: { mrn: 'N1' } },
      { seq: '2', entity: 'care_plan', id: '7b264c9d-44f4-4f1f-867b-815dfdc29622', data: {} },
    ],
    cursor: '2',
    more: false,
  };
  assert.equal(PullResponse.parse(page).changes.length, 2);
  assert.equal(PullResponse.safeParse({ ...page, changes: [{ ...page.changes[0], entity: "x'; DROP" }] }).success, false);
});
