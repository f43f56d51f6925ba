import { Mutation, MutationId, type FirstResult, type MutationResult } from '../../contract/sync';
import { badTextMessage, findBadText } from '../../contract/text';
import { HttpError } from './errors';

/**
 * Reads a push batch one mutation at a time (DESIGN §4: one item holds up nothing but itself).
 * A mutation the contract refuses is answered `rejected`/`invalid` with the field named; a
 * repeated id in the batch is answered as a replay of its first occurrence; only the readable,
 * first occurrences go on to be applied. Without a readable id a mutation cannot be answered at
 * all: that alone refuses the batch, naming the item, and the station's bisection finds it.
 */
export interface Triage {
  /** Mutations to apply, in batch order. */
  apply: Mutation[];
  /** Assembles the answer in batch order from the applied mutations' results (same order as `apply`). */
  answer(applied: readonly MutationResult[]): MutationResult[];
}

type Slot = { kind: 'apply'; at: number } | { kind: 'rejected'; id: string; detail: string } | { kind: 'repeat'; id: string; of: number };

export function triageBatch(raw: readonly unknown[]): Triage {
  const apply: Mutation[] = [];
  const slots: Slot[] = [];
  const firstIndex = new Map<string, number>();
  for (const [i, m] of raw.entries()) {
    const id = MutationId.safeParse((m as { id?: unknown } | null)?.id);
    if (!id.success) throw new HttpError(400, 'bad_request', `invalid input: mutations.${i}.id`);
    const seen = firstIndex.get(id.data);
    if (seen !== undefined) {
      slots.push({ kind: 'repeat', id: id.data, of: seen });
      continue;
    }
    firstIndex.set(id.data, i);
    const bad = findBadText(m);
    if (bad) {
      slots.push({ kind: 'rejected', id: id.data, detail: badTextMessage(bad).replace(/^invalid input: /, '') });
      continue;
    }
    const parsed = Mutation.safeParse(m);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((x) => x.path.join('.') || '(mutation)'))].slice(0, 3);
      slots.push({ kind: 'rejected', id: id.data, detail: `invalid: ${fields.join(', ')}`.slice(0, 200) });
      continue;
    }
    slots.push({ kind: 'apply', at: apply.length });
    apply.push(parsed.data);
  }
  return {
    apply,
    answer(applied) {
      const out: MutationResult[] = [];
      for (const s of slots) {
        if (s.kind === 'apply') out.push(applied[s.at]!);
        else if (s.kind === 'rejected') out.push({ id: s.id, status: 'rejected', reason: 'invalid', detail: s.detail });
        else out.push({ id: s.id, status: 'duplicate', first: firstOf(out[s.of]!) });
      }
      return out;
    },
  };
}

function firstOf(r: MutationResult): FirstResult {
  if (r.status === 'duplicate') return r.first;
  const { id: _id, ...first } = r;
  return first;
}
