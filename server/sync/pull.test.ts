import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePullRows, parsePullRowsBytes } from '../../contract/sync';
import { pullRowsAnswer, pullRowsAnswerBytes, type PullPage } from './pull';

/* The rows answer as the route sends it (bytes, encoded once) is the text answer's UTF-8, byte for byte. */

const page = (body: string, count: number, more: boolean): PullPage => ({ body, count, cursor: '42', more, patientIds: [] });
const line = (seq: number, data: string) => `${seq}\tpatient\t0192c0de-aaaa-7bbb-8ccc-123456789abc\t0192c0de-aaaa-7bbb-8ccc-123456789abc\t${data}`;

test('rows answer bytes: the same bytes as the text answer, accents, flags and an empty page included', () => {
  const pages = [
    [page([line(41, '{"family_name":"Müller-Łukasiewicz","given_names":["Zoë"]}'), line(42, '{"note":"ascii only"}')].join('\n'), 2, true), null],
    [page(line(42, '{"unit":"µmol/L","emoji":"🩺"}'), 1, false), '[{"key":"ward.flags","enabled":true,"value":null,"updatedAt":"2026-12-03T00:00:00.000Z","updatedBy":"it.admin"}]'],
    [page('', 0, false), '[]'],
    [page('', 0, true), null],
  ] as const;
  for (const [p, flags] of pages) {
    const bytes = pullRowsAnswerBytes(p, flags);
    assert.deepEqual(bytes, Buffer.from(pullRowsAnswer(p, flags), 'utf8'));
    const read = parsePullRowsBytes(bytes, (b, start, end) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', start, end));
    const text = parsePullRows(pullRowsAnswer(p, flags));
    assert.equal(read.cursor, text.cursor);
    assert.equal(read.rows.length, text.rows.length);
  }
});
