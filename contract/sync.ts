import { z } from 'zod';
import { FeatureFlag } from './flags';
import { CLEAN_TEXT_ISSUE, cleanClinicalText, isCleanText } from './text';
import { AllergyEntry } from './allergy';
import { VitalsEntry } from './vitals';
import { CodeStatusEntry } from './code-status';

/*
 * The sync protocol between a station and the server (DESIGN §4). A mutation carries a
 * client-generated UUID v7; the server applies each id once and answers the same result again.
 */

export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const MutationId = z.string().regex(UUID_V7, 'a lower-case UUID v7');
const Uuid = z.string().uuid();
/** A draft can be ten thousand words; 1 MB of text is the ceiling. */
const DraftText = z.string().max(1_000_000).refine(isCleanText, CLEAN_TEXT_ISSUE);
/** Versions are PostgreSQL integers. */
const Version = z.number().int().max(2_147_483_647);

export const DraftSave = z.object({
  kind: z.literal('draft.save'),
  id: MutationId,
  payload: z.object({ draftId: Uuid, patientId: Uuid, text: DraftText, baseVersion: Version.min(0) }),
});
export const DraftResolve = z.object({
  kind: z.literal('draft.resolve'),
  id: MutationId,
  payload: z.object({ draftId: Uuid, text: DraftText, baseVersion: Version.min(1) }),
});
export const DraftSubmit = z.object({
  kind: z.literal('draft.submit'),
  id: MutationId,
  payload: z.object({ draftId: Uuid, baseVersion: Version.min(1) }),
});
/** Clinical records made at the station (offline first), applied once each like the drafts. */
export const AllergyRecord = z.object({ kind: z.literal('allergy.record'), id: MutationId, payload: AllergyEntry });
export const VitalsRecord = z.object({ kind: z.literal('vitals.record'), id: MutationId, payload: VitalsEntry });
/** Physicians only (the server checks the role at the branch). */
export const CodeStatusRecord = z.object({ kind: z.literal('code_status.record'), id: MutationId, payload: CodeStatusEntry });
export const Mutation = z.discriminatedUnion('kind', [DraftSave, DraftResolve, DraftSubmit, AllergyRecord, VitalsRecord, CodeStatusRecord]);
export type Mutation = z.infer<typeof Mutation>;
export type MutationKind = Mutation['kind'];

export const PUSH_MAX_MUTATIONS = 500;
export const PushRequest = z.object({ mutations: z.array(Mutation).min(1).max(PUSH_MAX_MUTATIONS) });
export type PushRequest = z.infer<typeof PushRequest>;
/**
 * What the server checks of a batch as a whole: each mutation is then read on its own, so one
 * the server cannot read is answered `rejected` (with a detail) and holds up nothing else.
 */
export const PushEnvelope = z.object({ mutations: z.array(z.unknown()).min(1).max(PUSH_MAX_MUTATIONS) });

export const DraftStatus = z.enum(['draft', 'conflict', 'submitted']);
export type DraftStatus = z.infer<typeof DraftStatus>;
export const ConflictText = z.object({ text: z.string(), stationId: z.string().nullable(), version: z.number().int() });
export type ConflictText = z.infer<typeof ConflictText>;

/** In a push answer, `text` comes only with a conflict (the station has its own text). */
export const ServerDraft = z.object({
  id: Uuid,
  patientId: Uuid,
  text: z.string().optional(),
  version: z.number().int(),
  status: DraftStatus,
  conflictTexts: z.array(ConflictText).nullable(),
});
export type ServerDraft = z.infer<typeof ServerDraft>;

export const RejectReason = z.enum(['unknown_patient', 'unknown_draft', 'not_author', 'patient_mismatch', 'submitted', 'invalid', 'unknown_kind', 'forbidden']);
export type RejectReason = z.infer<typeof RejectReason>;

export const FirstResult = z.object({
  status: z.enum(['applied', 'conflict', 'rejected']),
  reason: RejectReason.optional(),
  /** With `invalid`: which field, and what is wrong with it (never its value). */
  detail: z.string().max(200).optional(),
  superseded: z.boolean().optional(),
  draft: ServerDraft.optional(),
});
export type FirstResult = z.infer<typeof FirstResult>;

/** duplicate: this id was applied before; `first` is the answer given then. */
export const MutationResult = z.union([
  FirstResult.extend({ id: MutationId }),
  z.object({ id: MutationId, status: z.literal('duplicate'), first: FirstResult }),
]);
export type MutationResult = z.infer<typeof MutationResult>;
export const PushResponse = z.object({ results: z.array(MutationResult) });
export type PushResponse = z.infer<typeof PushResponse>;

export const FEED_ENTITIES = ['patient', 'observation', 'medication_request', 'service_request', 'note_draft', 'soap_draft', 'note_addendum', 'allergy_intolerance', 'code_status'] as const;
export const FeedEntity = z.enum(FEED_ENTITIES);
export type FeedEntity = z.infer<typeof FeedEntity>;

/** A cursor is the feed's sequence number as a decimal string (a bigint in the database). */
export const Cursor = z
  .string()
  .regex(/^\d{1,19}$/)
  .refine((s) => BigInt(s) <= 9_223_372_036_854_775_807n, { message: 'beyond the largest cursor' });
export const PULL_MAX_LIMIT = 5000;
export const PullQuery = z.object({
  cursor: Cursor.default('0'),
  limit: z.coerce.number().int().min(1).max(PULL_MAX_LIMIT).default(1000),
});
export type PullQuery = z.infer<typeof PullQuery>;

/** `data` is the row as stored (snake_case columns), the station caches it as is. */
/** `data` is checked to be an object only: a ward's bootstrap validates tens of thousands of rows. */
const RowData = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object');
/*
 * `entity` is any feed entity name, not only those this version knows (FEED_ENTITIES): a server
 * one release ahead adds entities, and an older station must keep syncing, caching what it
 * cannot show yet, rather than refuse the whole page (DESIGN §7: rollouts and rollbacks).
 */
export const Change = z.object({ seq: Cursor, entity: z.string().regex(/^[a-z][a-z_]{0,39}$/), id: Uuid, data: RowData });
export type Change = z.infer<typeof Change>;
/** `flags`: the branch's feature flags, on the last page of a pull (a station caches them for offline use). */
export const PullResponse = z.object({ changes: z.array(Change), cursor: Cursor, more: z.boolean(), flags: z.array(FeatureFlag).optional() });
export type PullResponse = z.infer<typeof PullResponse>;

/**
 * The same page as feed rows (`GET /api/sync/pull/rows`), for a ward's bootstrap of tens of
 * thousands of rows: each row's data travels as the JSON text the feed stores, and the station
 * seals and stores that text without parsing and re-serializing it. Lines end with `\n`; the
 * first is a JSON header, then one line per change:
 * `seq \t entity \t id \t patient id (empty when none) \t data (a JSON object on one line)`.
 * The header's `count` is the number of change lines: an answer cut short between lines is
 * refused as one cut short within a line is. `patientId` is the server's: the row's own id for a
 * patient, else its `patient_id`.
 */
export const PullRowsHeader = z.object({ cursor: Cursor, more: z.boolean(), count: z.number().int().min(0), flags: z.array(FeatureFlag).optional() });
export type PullRowsHeader = z.infer<typeof PullRowsHeader>;
/** `Data`: the row's JSON text as a string, or as its UTF-8 bytes (parsePullRowsBytes). */
export interface FeedRow<Data extends string | Uint8Array = string> {
  seq: string;
  entity: string;
  id: string;
  patientId: string | null;
  /** The row's data as JSON text (an object). */
  data: Data;
}
export interface PullRowsPage<Data extends string | Uint8Array = string> {
  rows: FeedRow<Data>[];
  cursor: string;
  more: boolean;
  flags?: FeatureFlag[];
}
export const PULL_ROWS_MEDIA_TYPE = 'text/x-feed-rows; charset=utf-8';

const SEQ = /^\d{1,19}$/;
const ENTITY = /^[a-z][a-z_]{0,39}$/;
const ROW_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** One change line (the server writes them in the database: server/sync/pull.ts). */
export function feedRowLine(r: FeedRow): string {
  return `${r.seq}\t${r.entity}\t${r.id}\t${r.patientId ?? ''}\t${r.data}`;
}

/**
 * Reads a rows page; throws on anything that is not one (a line out of shape, an id that is not
 * a UUID, data that is not one JSON object on its line, fewer or more lines than announced).
 * Data is checked for its shape, not parsed: whoever opens a row parses it.
 */
export function parsePullRows(text: string): PullRowsPage {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = PullRowsHeader.parse(JSON.parse(lines[0] ?? ''));
  if (lines.length - 1 !== header.count) throw new Error(`a rows page announced ${header.count} rows and holds ${lines.length - 1}`);
  const rows: FeedRow[] = new Array<FeedRow>(header.count);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const a = line.indexOf('\t');
    const b = line.indexOf('\t', a + 1);
    const c = line.indexOf('\t', b + 1);
    const d = line.indexOf('\t', c + 1);
    if (a < 0 || b < 0 || c < 0 || d < 0) throw new Error(`rows page line ${i}: not five fields`);
    const data = line.slice(d + 1);
    if (data.charCodeAt(0) !== 123 || data.charCodeAt(data.length - 1) !== 125) throw new Error(`rows page line ${i}: data is not a JSON object`);
    rows[i - 1] = feedRow(i, line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1, c), line.slice(c + 1, d), data);
  }
  return { rows, cursor: header.cursor, more: header.more, ...(header.flags ? { flags: header.flags } : {}) };
}

function feedRow<Data extends string | Uint8Array>(line: number, seq: string, entity: string, id: string, patient: string, data: Data): FeedRow<Data> {
  if (!SEQ.test(seq) || !ENTITY.test(entity) || !ROW_ID.test(id) || (patient !== '' && !ROW_ID.test(patient))) throw new Error(`rows page line ${line}: a field out of shape`);
  return { seq, entity, id, patientId: patient === '' ? null : patient, data };
}

const NL = 10;
const TAB = 9;

/**
 * The same page as parsePullRows reads it, from the answer's bytes, with the same checks, each
 * row's data left as its bytes (a view into `bytes`): a station seals those bytes as they came,
 * so a page of megabytes is never decoded into a string only to be encoded again, row by row, for
 * the cipher. `decode` reads bytes `start`..`end` as UTF-8 (the header line, and each line's four
 * short fields in one piece; contract/ has no platform decoder). The separators and braces are
 * ASCII, and no byte of a multi-byte UTF-8 character is below 0x80: splitting the bytes at `\n`
 * and `\t` finds the lines and fields that splitting the text finds.
 */
export function parsePullRowsBytes(bytes: Uint8Array, decode: (bytes: Uint8Array, start: number, end: number) => string): PullRowsPage<Uint8Array> {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === NL) end--;
  const first = bytes.indexOf(NL);
  const headerEnd = first < 0 || first > end ? end : first;
  const header = PullRowsHeader.parse(JSON.parse(decode(bytes, 0, headerEnd)));
  const rows: FeedRow<Uint8Array>[] = new Array<FeedRow<Uint8Array>>(header.count);
  let n = 0;
  for (let start = headerEnd + 1; start <= end; n++) {
    let stop = bytes.indexOf(NL, start);
    if (stop < 0 || stop > end) stop = end;
    const i = n + 1;
    if (n >= header.count) throw new Error(`a rows page announced ${header.count} rows and holds more`);
    // The data starts after the fourth tab; the fields before it are at most 120 bytes or so.
    let d = start - 1;
    for (let tabs = 0; tabs < 4 && d < stop; tabs++) {
      d = bytes.indexOf(TAB, d + 1);
      if (d < 0) d = stop;
    }
    if (d >= stop) throw new Error(`rows page line ${i}: not five fields`);
    if (stop - d < 3 || bytes[d + 1] !== 123 || bytes[stop - 1] !== 125) throw new Error(`rows page line ${i}: data is not a JSON object`);
    const head = decode(bytes, start, d);
    const a = head.indexOf('\t');
    const b = head.indexOf('\t', a + 1);
    const c = head.indexOf('\t', b + 1);
    rows[n] = feedRow(i, head.slice(0, a), head.slice(a + 1, b), head.slice(b + 1, c), head.slice(c + 1), bytes.subarray(d + 1, stop));
    start = stop + 1;
  }
  if (n !== header.count) throw new Error(`a rows page announced ${header.count} rows and holds ${n}`);
  return { rows, cursor: header.cursor, more: header.more, ...(header.flags ? { flags: header.flags } : {}) };
}

/** The live channel (server-sent events) carries only the branch's newest cursor. */
export const LiveEvent = z.object({ cursor: Cursor });
export type LiveEvent = z.infer<typeof LiveEvent>;

/** Headers a station sends besides the user's bearer token. */
export const STATION_CREDENTIAL_HEADER = 'x-station-credential';

/**
 * PostgreSQL text cannot hold U+0000 or half a character (pasted notes sometimes do). The
 * station replaces them with U+FFFD, a visible mark, and removes direction controls when the
 * text is saved (contract/text.ts); the server rejects a mutation that still has one, alone.
 */
export function sanitizeDraftText(text: string): string {
  return cleanClinicalText(text).text;
}
