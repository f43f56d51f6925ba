import assert from 'node:assert/strict';
import { test } from 'node:test';
import { feedRowLine, parsePullRows, parsePullRowsBytes, PullResponse } from './sync';

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

test('a feed rows page reads back as written, and a page cut short or out of shape is refused', () => {
  const rows = [
    { seq: '7', entity: 'patient', id: '6a264c9d-44f4-4f1f-867b-815dfdc29622', patientId: '6a264c9d-44f4-4f1f-867b-815dfdc29622', data: '{"mrn": "N1", "note": "tab\\there"}' },
    { seq: '9', entity: 'care_plan', id: '7b264c9d-44f4-4f1f-867b-815dfdc29622', patientId: null, data: '{}' },
  ];
  const text = `{"cursor":"12","more":true,"count":2}\n${rows.map(feedRowLine).join('\n')}\n`;
  assert.deepEqual(parsePullRows(text), { rows, cursor: '12', more: true });
  assert.deepEqual(parsePullRows('{"cursor":"12","more":false,"count":0}\n'), { rows: [], cursor: '12', more: false });
  const refused = (t: string) => assert.throws(() => parsePullRows(t));
  refused(text.split('\n').slice(0, 2).join('\n'));
  refused(text.slice(0, -20));
  refused(text.replace('"count":2', '"count":3'));
  refused(text.replace('care_plan', "x'; DROP"));
  refused(text.replace('7b264c9d-44f4', 'not-a-uuid-44f4'));
  refused(text.replace('\t{}', '\t[]'));
  refused(text.replace('"cursor":"12"', '"cursor":"-1"'));
});

test('a feed rows page read from its bytes gives the rows parsePullRows gives, data as UTF-8 bytes, and refuses what it refuses', () => {
  const rows = [
    { seq: '7', entity: 'patient', id: '6a264c9d-44f4-4f1f-867b-815dfdc29622', patientId: '6a264c9d-44f4-4f1f-867b-815dfdc29622', data: '{"family_name": "Müller-Ødegård", "unit": "µmol/L", "note": "tab\\there"}' },
    { seq: '9', entity: 'care_plan', id: '7b264c9d-44f4-4f1f-867b-815dfdc29622', patientId: null, data: '{}' },
  ];
  const text = `{"cursor":"12","more":true,"count":2,"flags":[]}\n${rows.map(feedRowLine).join('\n')}\n`;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const fromBytes = (t: string) => {
    const page = parsePullRowsBytes(encoder.encode(t), (b, start, end) => decoder.decode(b.subarray(start, end)));
    return { ...page, rows: page.rows.map((r) => ({ ...r, data: decoder.decode(r.data) })) };
  };
  assert.deepEqual(fromBytes(text), parsePullRows(text));
  assert.deepEqual(fromBytes(text).rows, rows);
  for (const t of ['{"cursor":"12","more":false,"count":0}\n', '{"cursor":"12","more":false,"count":0}', text.slice(0, -1)]) assert.deepEqual(fromBytes(t), parsePullRows(t));
  const cuts = [
    text.split('\n').slice(0, 2).join('\n'),
    text.slice(0, -20),
    text.replace('"count":2', '"count":3'),
    text.replace('"count":2', '"count":1'),
    text.replace('care_plan', "x'; DROP"),
    text.replace('7b264c9d-44f4', 'not-a-uuid-44f4'),
    text.replace('\t{}', '\t[]'),
    text.replace('\t{}', '\t{'),
    text.replace('\t{}', '\t}'),
    text.replace('"cursor":"12"', '"cursor":"-1"'),
    `${text}\n`,
    text.replace('\n7\t', '\n\n7\t'),
    text.replace('\tcare_plan\t', '\tcare_plan '),
    text.replace('\n9\t', '\n9\t\t'),
    text.replace('"count":2', '"count":3') + '9\tpatient\t',
    '',
  ];
  for (const t of cuts) {
    assert.throws(() => parsePullRows(t), Error, `text: ${JSON.stringify(t.slice(-40))}`);
    assert.throws(() => fromBytes(t), Error, `bytes: ${JSON.stringify(t.slice(-40))}`);
  }
});
