import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { MutationResult } from '../../contract/sync';
import { HttpError } from './errors';
import { triageBatch } from './push-triage';

const id = (n: number) => `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const save = (n: number, text: string, baseVersion = 0) => ({ kind: 'draft.save', id: id(n), payload: { draftId: randomUUID(), patientId: randomUUID(), text, baseVersion } });

test('each mutation is read on its own: bad ones are rejected with the field, repeats answered as replays', () => {
  const t = triageBatch([save(1, 'fine'), save(2, 'half \uD83D emoji'), save(3, 'x', 2 ** 40), save(1, 'again'), { kind: 'nope', id: id(4) }, save(5, 'also fine')]);
  assert.deepEqual(t.apply.map((m) => m.id), [id(1), id(5)]);
  const applied: MutationResult[] = [
    { id: id(1), status: 'applied' },
    { id: id(5), status: 'conflict' },
  ];
  assert.deepEqual(t.answer(applied), [
    { id: id(1), status: 'applied' },
    { id: id(2), status: 'rejected', reason: 'invalid', detail: 'payload.text contains half of a character (a broken emoji or symbol)' },
    { id: id(3), status: 'rejected', reason: 'invalid', detail: 'invalid: payload.baseVersion' },
    { id: id(1), status: 'duplicate', first: { status: 'applied' } },
    { id: id(4), status: 'rejected', reason: 'invalid', detail: 'invalid: kind' },
    { id: id(5), status: 'conflict' },
  ]);
});

test('a mutation without a readable id refuses the batch, naming the item', () => {
  assert.throws(() => triageBatch([save(1, 'ok'), { kind: 'draft.save', id: 'not-an-id' }]), (e: HttpError) => e.status === 400 && e.message === 'invalid input: mutations.1.id');
});
