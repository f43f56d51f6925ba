import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { generateRawNotes } from '../../contract/demo/notes';
import { PushResponse, sanitizeDraftText, type Mutation } from '../../contract/sync';
import { withBranch } from '../db/with-branch';
import { binaryTextArray, pushArrays } from './push';
import { draftSave, startSyncHarness, testUuid7, type SyncHarness } from '../testing/sync-harness';

describe('sync push: idempotent, ordered, conflicts kept', () => {
  let h: SyncHarness;
  let tokenN1: string;
  let tokenN2: string;
  const notes = generateRawNotes({ count: 40, seed: 7 }).map((n) => sanitizeDraftText(n.text));
  const admin = { kind: 'admin', id: 'test' } as const;

  before(async () => {
    h = await startSyncHarness();
    tokenN1 = await h.login('dr.north', 'north', h.north1);
    tokenN2 = await h.login('dr.north', 'north', h.north2);
  });
  after(() => h.close());

  const draftRow = (id: string) =>
    withBranch(h.t.owner, h.f.north.id, admin, (trx) => trx.selectFrom('note_drafts').selectAll().where('id', '=', id).executeTakeFirst());

  test('a push retried 3 times applies once and answers the same result', async () => {
    const draftId = randomUUID();
    const m = draftSave(draftId, h.f.north.patientIds[0]!, notes[0]!, 0);
    const answers: PushResponse[] = [];
    for (let i = 0; i < 4; i++) answers.push(PushResponse.parse(await h.push(h.north1, tokenN1, [m])));
    assert.equal(answers[0]!.results[0]!.status, 'applied');
    for (const a of answers.slice(1)) {
      const r = a.results[0]!;
      assert.equal(r.status, 'duplicate');
      assert.ok(r.status === 'duplicate' && r.first.status === 'applied' && r.first.draft?.version === 1);
    }
    const row = await draftRow(draftId);
    assert.equal(row?.version, 1);
    assert.equal(row?.text, notes[0]);
    const count = await withBranch(h.t.owner, h.f.north.id, admin, (trx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM change_feed WHERE entity_id = ${draftId}`.execute(trx),
    );
    assert.equal(count.rows[0]?.n, 1, 'one feed entry: applied once');
  });

  test('the same mutation pushed concurrently applies once', async () => {
    const draftId = randomUUID();
    const m = draftSave(draftId, h.f.north.patientIds[1]!, 'concurrent', 0);
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.push(h.north1, tokenN1, [m])));
    const statuses = answers.map((a) => a.results[0]!.status).sort();
    assert.deepEqual(statuses, ['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    assert.equal((await draftRow(draftId))?.version, 1);
  });

  test('a text with U+0000 is rejected alone', async () => {
    const r = await h.push(h.north1, tokenN1, [
      draftSave(randomUUID(), h.f.north.patientIds[2]!, 'a\u0000b', 0),
      draftSave(randomUUID(), h.f.north.patientIds[2]!, sanitizeDraftText('a\u0000b'), 0),
    ]);
    assert.deepEqual(r.results.map((x) => x.status), ['rejected', 'applied']);
  });

  test('a rejected mutation does not block the rest of its batch', async () => {
    const good = randomUUID();
    const batch: Mutation[] = [
      draftSave(randomUUID(), randomUUID(), 'for a patient that does not exist', 0),
      draftSave(good, h.f.north.patientIds[2]!, 'fine', 0),
    ];
    const r = await h.push(h.north1, tokenN1, batch);
    assert.equal(r.results[0]!.status, 'rejected');
    assert.ok(r.results[0]!.status === 'rejected' && r.results[0]!.reason === 'unknown_patient');
    assert.equal(r.results[1]!.status, 'applied');
    assert.equal((await draftRow(good))?.text, 'fine');
  });

  test('two stations editing one draft offline end in a visible conflict with both texts', async () => {
    const draftId = randomUUID();
    const patientId = h.f.north.patientIds[3]!;
    await h.push(h.north1, tokenN1, [draftSave(draftId, patientId, notes[1]!, 0)]);
    // Both stations saw version 1, then edit offline.
    const a = await h.push(h.north1, tokenN1, [draftSave(draftId, patientId, `${notes[1]} (A)`, 1)]);
    const b = await h.push(h.north2, tokenN2, [draftSave(draftId, patientId, `${notes[1]} (B)`, 1)]);
    assert.equal(a.results[0]!.status, 'applied');
    const rb = b.results[0]!;
    assert.equal(rb.status, 'conflict');
    assert.ok(rb.status === 'conflict');
    assert.equal(rb.draft?.status, 'conflict');
    assert.deepEqual(rb.draft?.conflictTexts?.map((c) => c.text).sort(), [`${notes[1]} (A)`, `${notes[1]} (B)`].sort());
    // A further save does not silently win over the conflict; the author resolves it.
    const later = await h.push(h.north1, tokenN1, [draftSave(draftId, patientId, 'later', 2)]);
    assert.equal(later.results[0]!.status, 'conflict');
    const v = rb.draft!.version;
    const resolve: Mutation = { kind: 'draft.resolve', id: testUuid7(), payload: { draftId, text: 'merged', baseVersion: v } };
    const res = await h.push(h.north2, tokenN2, [resolve]);
    assert.equal(res.results[0]!.status, 'applied');
    const row = await draftRow(draftId);
    assert.equal(row?.status, 'draft');
    assert.equal(row?.text, 'merged');
  });

  test('mutations delivered twice or out of order end in the same state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: notes.length - 1 }), { minLength: 1, maxLength: 6 }),
        fc.func(fc.integer()),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (textIdx, order, dupes) => {
          const draftId = randomUUID();
          // One station's successive saves, all based on what it knew (version 0: offline).
          const saves = textIdx.map((i) => draftSave(draftId, h.f.north.patientIds[4]!, notes[i]!, 0));
          const delivery = [...saves, ...dupes.map((d) => saves[d % saves.length]!)];
          delivery.sort((x, y) => order(x.id) - order(y.id) || (x.id < y.id ? -1 : 1));
          for (const m of delivery) await h.push(h.north1, tokenN1, [m]);
          const row = await draftRow(draftId);
          assert.equal(row?.text, notes[textIdx.at(-1)!]);
          assert.equal(row?.status, 'draft');
        },
      ),
      { numRuns: 25 },
    );
  });
  test('re-saves applied as a set answer and store exactly what sync_apply answers and stores one by one', async () => {
    const user = (await h.t.owner.selectFrom('users').select('id').where('username', '=', 'dr.north').executeTakeFirstOrThrow()).id;
    const p = h.f.north.patientIds;
    const actor = { kind: 'user', id: String(user) } as const;
    const nurse = (await h.t.owner.selectFrom('users').select('id').where('username', '=', 'nurse.north').executeTakeFirstOrThrow()).id;
    const push = (station: string, batch: Mutation[], by = user) => withBranch(h.t.app, h.f.north.id, actor, (trx) => pushArrays(trx, station, by, batch));
    // One copy of drafts in every state a re-save can meet, made through the server's own push.
    const copy = async () => {
      const d = Array.from({ length: 12 }, () => randomUUID());
      const older = testUuid7();
      const save = (i: number, text: string, base: number, patient = p[i % 3]!) => draftSave(d[i]!, patient, text, base);
      const setup = [
        [h.north1.id, [save(0, 'zero', 0), save(3, 'three', 0), save(4, 'four', 0), save(7, 'seven', 0), save(9, 'nine', 0), save(10, 'ten', 0)]],
        [h.north1.id, [{ kind: 'draft.submit', id: testUuid7(), payload: { draftId: d[4]!, baseVersion: 1 } } as Mutation]],
        [h.north2.id, [save(1, 'one', 0), save(2, 'two', 0), save(5, 'five', 0), save(6, 'same text', 0), save(8, 'eight', 0)]],
        [h.north2.id, [save(2, 'two again', 1)]],
        [h.north1.id, [save(5, 'five from station 1', 0)]],
      ] as const;
      const sent: Mutation[] = [];
      for (const [station, batch] of setup) {
        await push(station, [...batch]);
        sent.push(...batch);
      }
      // Another user's draft, written last from this very station.
      const nurses = [save(11, 'eleven', 0)];
      await push(h.north1.id, nurses, nurse);
      sent.push(...nurses);
      const batch: Mutation[] = [
        save(0, 'zero b', 0), // the station that wrote last: applied
        save(1, 'one b', 1), // the current version: applied
        save(2, 'two b', 1), // an older version from another station: conflict
        { ...save(3, 'three, older', 0), id: older }, // an older save of the station that wrote last
        save(4, 'four b', 2), // submitted
        save(5, 'five b', 2), // in conflict
        save(6, 'same text', 0), // the text it already has: applied
        save(7, 'seven, another patient', 1, p[(7 + 1) % 3]!), // patient mismatch
        save(8, 'eight b', 5), // a base the draft never had, another station wrote last: conflict
        sent[4]!, // already applied: duplicate
        save(10, 'ten b', 1), // twice in the batch: one by one
        save(10, 'ten c', 2),
        save(11, 'eleven b', 1), // another user's draft: not the author
      ];
      return { d, ids: [...d, older, ...sent.map((m) => m.id), ...batch.map((m) => m.id)], batch };
    };
    const norm = (value: unknown, ids: string[]) => {
      let text = JSON.stringify(value);
      for (const [i, id] of ids.entries()) text = text.replaceAll(id, `#${i}`);
      return JSON.parse(text) as unknown;
    };
    const rows = (d: string[]) =>
      withBranch(h.t.owner, h.f.north.id, admin, (trx) =>
        trx.selectFrom('note_drafts').select(['id', 'patient_id', 'text', 'version', 'status', 'conflict_texts', 'last_station_id', 'last_mutation_id']).where('id', 'in', d).execute(),
      ).then((r) => d.map((id) => r.find((x) => x.id === id) ?? null));

    const asSet = await copy();
    const setAnswers = await push(h.north1.id, asSet.batch);
    const oneByOne = await copy();
    const refAnswers = await withBranch(h.t.app, h.f.north.id, actor, async (trx) => {
      const out: unknown[] = [];
      for (const [m, q] of oneByOne.batch.map((m) => [m, m.payload as Record<string, unknown>] as const)) {
        const r = await sql<{ r: unknown }>`SELECT sync_apply(${m.id}::uuid, ${h.north1.id}::uuid, ${user}::int, ${m.kind}, ${JSON.stringify(q)}::jsonb) AS r`.execute(trx);
        out.push(r.rows[0]!.r);
      }
      return out;
    });
    assert.deepEqual(norm(setAnswers, asSet.ids), norm(refAnswers, oneByOne.ids));
    assert.deepEqual(norm(await rows(asSet.d), asSet.ids), norm(await rows(oneByOne.d), oneByOne.ids));
    // The scenario meets what it says it meets.
    const answers = setAnswers as { status: string; reason?: string; superseded?: boolean }[];
    assert.deepEqual(
      answers.map((a) => a.status + (a.reason ? `:${a.reason}` : '') + (a.superseded ? ':superseded' : '')),
      ['applied', 'applied', 'conflict', 'applied:superseded', 'rejected:submitted', 'conflict', 'applied', 'rejected:patient_mismatch', 'conflict', 'duplicate', 'applied', 'applied', 'rejected:not_author'],
    );
  });
  test('the texts go to the database as a binary text[] and arrive as sent', async () => {
    const texts = ['', 'Zoë – SpO2 97% on 2 L O2, T 37.5 °C\nline two', null, 'a "quoted" {braced} \\ back,slash', '😀 𝄞 中文', 'x'.repeat(70_000)];
    for (const sent of [texts, [], [null], ['only']]) {
      const r = await sql<{ a: (string | null)[] }>`SELECT ${binaryTextArray(sent)}::text[] AS a`.execute(h.t.owner);
      assert.deepEqual(r.rows[0]!.a, sent);
    }
  });
  test("the previous releases' sync_push and sync_push_set answer what this release's sync_push_arrays answers", async () => {
    // Three copies of one scenario on fresh drafts: first saves, a draft saved twice in the batch,
    // an unknown patient, a submit after a first save, an unknown draft; then the whole batch
    // again. The oldest entry point gets the station's shape, the next one the flat records, this
    // release's the arrays the server sends, through the server's own call (pushArrays).
    const user = (await h.t.owner.selectFrom('users').select('id').where('username', '=', 'dr.north').executeTakeFirstOrThrow()).id;
    const p = h.f.north.patientIds;
    const scenario = () => {
      const d = Array.from({ length: 5 }, () => randomUUID());
      const batch: Mutation[] = [
        draftSave(d[0]!, p[0]!, 'first', 0),
        draftSave(d[1]!, p[1]!, 'twice a', 0),
        draftSave(d[1]!, p[1]!, 'twice b', 0),
        draftSave(d[2]!, randomUUID(), 'unknown patient', 0),
        draftSave(d[3]!, p[2]!, 'to submit', 0),
        { kind: 'draft.submit', id: testUuid7(), payload: { draftId: d[3]!, baseVersion: 1 } },
        { kind: 'draft.resolve', id: testUuid7(), payload: { draftId: d[4]!, text: 'none', baseVersion: 1 } },
      ];
      return { d, batch };
    };
    const flat = (batch: Mutation[]) =>
      batch.map((m, i) => {
        const q = m.payload as { draftId?: string; patientId?: string; text?: string; baseVersion?: number };
        return { i: i + 1, id: m.id, kind: m.kind, draft: q.draftId, patient: q.patientId, text: q.text, base: q.baseVersion };
      });
    // Ids differ between the copies: each answer is written with its scenario's ids replaced.
    const norm = (answer: unknown, ids: string[]) => {
      let text = JSON.stringify(answer);
      for (const [i, id] of ids.entries()) text = text.replaceAll(id, `#${i}`);
      return JSON.parse(text) as unknown;
    };
    const run = (fn: 'old' | 'set' | 'arrays', batch: Mutation[]) =>
      withBranch(h.t.app, h.f.north.id, { kind: 'user', id: String(user) }, async (trx) => {
        if (fn === 'arrays') return pushArrays(trx, h.north1.id, user, batch);
        const r =
          fn === 'old'
            ? await sql<{ r: unknown }>`SELECT sync_push(${h.north1.id}::uuid, ${user}::int, ${JSON.stringify(batch)}::jsonb) AS r`.execute(trx)
            : await sql<{ r: unknown }>`SELECT sync_push_set(${h.north1.id}::uuid, ${user}::int, ${JSON.stringify(flat(batch))}::json) AS r`.execute(trx);
        return r.rows[0]!.r;
      });
    const s = [scenario(), scenario(), scenario()];
    const ids = (x: ReturnType<typeof scenario>) => [...x.d, ...x.batch.map((m) => m.id)];
    const all = async () => [norm(await run('old', s[0]!.batch), ids(s[0]!)), norm(await run('set', s[1]!.batch), ids(s[1]!)), norm(await run('arrays', s[2]!.batch), ids(s[2]!))];
    const first = await all();
    assert.deepEqual(first[0], first[1]);
    assert.deepEqual(first[0], first[2]);
    assert.deepEqual(
      (first[0] as { status: string }[]).map((x) => x.status),
      ['applied', 'applied', 'applied', 'rejected', 'applied', 'applied', 'rejected'],
    );
    const again = await all();
    assert.deepEqual(again[0], again[1]);
    assert.deepEqual(again[0], again[2]);
    assert.ok((again[0] as { status: string }[]).every((x) => x.status === 'duplicate'));
    // An empty batch still answers an empty array.
    assert.deepEqual(await run('old', []), []);
    assert.deepEqual(await run('arrays', []), []);
  });
});
