import { sql } from 'kysely';
import type { PullResponse } from '../../contract/sync';
import { currentBranchId, type BranchTransaction } from '../db/with-branch';

/**
 * A page of the branch's change feed after `cursor`. Only numbers below the feed's horizon are
 * read (every transaction below it has ended; sql/feed.sql), so `seq > cursor` never skips a
 * change that commits later. The branch is the transaction's (RLS); `branch_id = …` only lets
 * the primary key serve the range scan.
 */
export async function pullChanges(trx: BranchTransaction, cursor: string, limit: number, reader: FeedReader): Promise<PullResponse> {
  const page = await pullChangesJson(trx, cursor, limit, reader);
  return JSON.parse(page.json) as PullResponse;
}

/**
 * The horizon of this statement's snapshot, on the primary or on a streaming replica. On a hot
 * standby, pg_current_snapshot() lists no running transaction at all: PostgreSQL keeps a standby
 * snapshot's running ids in its subtransaction array, which pg_snapshot_xip() does not show. So
 * change_feed_horizon() there returns the snapshot's xmax and passes transactions still running
 * on the primary (a puller would skip their changes when they commit). The standby snapshot's
 * xmin is right: the oldest transaction whose end replay has not seen (a transaction the standby
 * has not heard of yet has an id at or above xmax). Below it every transaction has committed or
 * aborted in the same WAL the primary wrote, with the same outcome on both; so a cursor may move
 * between primary and replica in either direction: the one it comes back to answers only numbers
 * above the cursor and below its own horizon, all final (e2e/sync/read-replica.int.test.ts).
 * The primary keeps change_feed_horizon(), which also ignores other databases' transactions.
 */
const pullHorizon = sql<string>`(SELECT CASE WHEN pg_is_in_recovery() THEN pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 24 ELSE change_feed_horizon() END)`;

/**
 * Who pulls (a clinician of the branch). A note draft is private to its author until submitted;
 * then the branch's clinicians receive it (physicians review it), without conflict texts.
 */
export interface FeedReader {
  userId: number;
}

/**
 * The feed rows after `cursor` that the reader may receive, at most `limit + 1` of them (one
 * more tells whether the page is the last). The privacy of drafts is decided here, in the
 * database: a row the reader may not see comes as its sequence number only, data null (so the
 * cursor moves past it), never with its data.
 */
function pageRows(cursor: string, limit: number, reader: FeedReader) {
  return sql`
    SELECT seq, entity, entity_id,
           CASE WHEN entity <> 'note_draft' THEN data::text
                WHEN (data->>'author_user_id')::int = ${reader.userId}::int THEN data::text
                WHEN data->>'status' = 'submitted' THEN (data - 'conflict_texts')::text
           END AS data,
           CASE WHEN entity = 'patient' THEN entity_id::text ELSE data->>'patient_id' END AS patient
      FROM change_feed
     WHERE branch_id = ${currentBranchId()} AND seq > ${cursor}::bigint
       AND seq < ${pullHorizon}
     ORDER BY change_feed.seq LIMIT ${limit + 1}`;
}

export interface PullPage {
  /** The answer's body: JSON (a PullResponse) or feed rows (contract/sync.ts), without flags. */
  body: string;
  count: number;
  cursor: string;
  more: boolean;
  patientIds: string[];
  /** A rows page's flags (JSON text, on the last page) for its header line: pullRowsAnswerBytes. */
  flags?: string | null;
}

/**
 * The same page as JSON text: each row's stored jsonb comes as text and is spliced in unparsed.
 * A ward's bootstrap is tens of thousands of rows; parsing and re-serializing each in Node
 * would dominate it.
 */
export async function pullChangesJson(trx: BranchTransaction, cursor: string, limit: number, reader: FeedReader): Promise<PullPage & { json: string }> {
  const r = await sql<{ seq: string; entity: string; id: string; data: string | null; patient: string | null }>`
    SELECT seq::text AS seq, entity, entity_id::text AS id, data, patient FROM (${pageRows(cursor, limit, reader)}) AS page ORDER BY page.seq`.execute(trx);
  const more = r.rows.length > limit;
  const scanned = more ? r.rows.slice(0, limit) : r.rows;
  const rows = scanned.filter((x) => x.data !== null);
  // seq, entity and id are digits, a fixed word and a uuid: nothing to escape; data is JSON text.
  const parts = rows.map((x) => `{"seq":"${x.seq}","entity":"${x.entity}","id":"${x.id}","data":${x.data}}`);
  const next = scanned.at(-1)?.seq ?? cursor;
  const patientIds = [...new Set(rows.flatMap((x) => (x.patient ? [x.patient] : [])))];
  const json = `{"changes":[${parts.join(',')}],"cursor":"${next}","more":${more}}`;
  return { json, body: json, count: rows.length, cursor: next, more, patientIds };
}

/**
 * The same page as feed rows (contract/sync.ts: parsePullRows), assembled in the database in
 * one statement and one pass over the page: 5,000 rows reach Node as one text value instead of
 * 25,000 fields to decode and splice, and `body` is the change lines without the header line (the
 * route adds it, with the flags on the last page). Row `limit + 1` only tells whether there is
 * more. Nothing is materialized or sorted but the page itself: the lines are aggregated in feed
 * order from input already in that order (PostgreSQL 16 and later skip the aggregate's own sort
 * then; a FILTER clause would defeat that, hence the CASE). The patients are deduplicated in the
 * database after the aggregate (a ward's page names a few dozen of them), not by a DISTINCT
 * aggregate that sorts every row by patient: sent as one id per row, the array was 5,000 UUIDs
 * a page for the server to parse (a sixth of its CPU on a bootstrap).
 */
export async function pullChangesRows(trx: BranchTransaction, cursor: string, limit: number, reader: FeedReader): Promise<PullPage> {
  // The lines' aggregate sorts its input by seq (PostgreSQL 15 always does, 16 and later skip it
  // for input already in order): a full page is about 4 MB, past the default work_mem of 4 MB,
  // so each page was sorted through a temporary file (written and read back, 524 blocks a page
  // in EXPLAIN ANALYZE). Enough memory for the largest page, for this transaction only.
  await sql`SET LOCAL work_mem = '32MB'`.execute(trx);
  const r = await sql<{ more: boolean; last: string | null; count: number; patients: string[]; body: string }>`
    SELECT count(*) > ${limit} AS more,
           (max(seq) FILTER (WHERE n <= ${limit}))::text AS last,
           (count(*) FILTER (WHERE n <= ${limit} AND data IS NOT NULL))::int AS count,
           ARRAY(SELECT DISTINCT p FROM unnest(array_agg(patient) FILTER (WHERE n <= ${limit} AND data IS NOT NULL AND patient IS NOT NULL)) AS p) AS patients,
           coalesce(string_agg(CASE WHEN n <= ${limit} AND data IS NOT NULL
                                    THEN seq::text || E'\t' || entity || E'\t' || entity_id::text || E'\t' || coalesce(patient, '') || E'\t' || data END,
                               E'\n' ORDER BY seq), '') AS body
      FROM (SELECT page.*, row_number() OVER (ORDER BY page.seq) AS n FROM (${pageRows(cursor, limit, reader)}) AS page) AS numbered`.execute(trx);
  const row = r.rows[0]!;
  return { body: row.body, count: row.count, cursor: row.last ?? cursor, more: row.more, patientIds: row.patients };
}

const rowsHeader = (page: PullPage, flagsJson: string | null) =>
  `{"cursor":"${page.cursor}","more":${page.more},"count":${page.count}${flagsJson ? `,"flags":${flagsJson}` : ''}}\n`;

/** A rows page's whole answer: the header line (with the flags, on the last page), then the change lines. */
export function pullRowsAnswer(page: PullPage, flagsJson: string | null): string {
  const header = rowsHeader(page, flagsJson);
  return page.count > 0 ? `${header}${page.body}\n` : header;
}

/**
 * The same answer as UTF-8 bytes, as the route sends it: the page's text (about 4 MB) is encoded
 * once, straight into the answer's buffer. `Buffer.from(pullRowsAnswer(…))` first joined header
 * and page into one string (a copy of the page, two bytes a character as soon as a name carries
 * an accent) and then encoded that: about a third more CPU per page.
 */
export function pullRowsAnswerBytes(page: PullPage, flagsJson: string | null): Buffer {
  const header = rowsHeader(page, flagsJson);
  if (page.count === 0) return Buffer.from(header, 'utf8');
  const out = Buffer.allocUnsafe(Buffer.byteLength(header, 'utf8') + Buffer.byteLength(page.body, 'utf8') + 1);
  let at = out.write(header, 0, 'utf8');
  at += out.write(page.body, at, 'utf8');
  out[at++] = 0x0a;
  return at === out.length ? out : out.subarray(0, at);
}

/**
 * The branch's newest pullable feed number ('0' when empty), and the horizon: numbers at or
 * above it may still be written by transactions that have not ended. The horizon is computed
 * once (MATERIALIZED): it reads the backends afresh on each call, and a planner that inlined it
 * into each reference could compare and report different horizons in one statement.
 */
export async function feedHead(trx: BranchTransaction): Promise<{ head: string; horizon: string }> {
  const r = await sql<{ head: string; horizon: string }>`
    WITH h AS MATERIALIZED (SELECT change_feed_horizon() AS horizon)
    SELECT coalesce((SELECT max(seq) FROM change_feed WHERE branch_id = ${currentBranchId()} AND seq < h.horizon), 0)::text AS head,
           h.horizon::text AS horizon
      FROM h`.execute(trx);
  return r.rows[0] ?? { head: '0', horizon: '0' };
}
