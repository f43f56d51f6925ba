import type { Change, FeedRow } from '../../contract/sync';
import type { CachedPatient, PatientChart, WardBadges, SignedNote } from '../../contract/station-api';
import { matchesSearch } from '../../contract/search';
import { sealMany, stmt, unsealJson, type Store } from './store';
import { applyFeedDraft } from './drafts';

/*
 * The ward's data cached for offline reading, kept as the server's rows, keyed by entity and id.
 * Each row's data is sealed at rest (main/core/seal.ts): names, results, medications and SOAP
 * drafts are ciphertext in the file; entity, id, patient id and feed number stay clear for the
 * lookups. No query looks inside the data in SQL: the ward list is a few hundred patients, so
 * search opens them and matches in memory (contract/search.ts, as before) instead of keeping a
 * searchable plaintext or folded-name column, which would leave names readable on disk.
 *
 * Opening a row costs an AES-GCM decryption and a JSON parse; the ward list's flags read every
 * result of every patient, so opened rows are kept in memory per store, keyed by rowid and feed
 * number (a row's content changes only with a newer feed number). That is the ward the screens
 * show anyway; nothing of it is written back in clear.
 */

type Row = Record<string, unknown>;
interface StoredRow {
  rowid: number;
  seq: number;
  data: string;
}
const MAX_OPENED = 200_000;
const openedRows = new WeakMap<Store, Map<number, { seq: number; row: Row }>>();

function openRow(db: Store, r: StoredRow): Row {
  let memo = openedRows.get(db);
  if (!memo) openedRows.set(db, (memo = new Map()));
  const hit = memo.get(r.rowid);
  if (hit && hit.seq === r.seq) return hit.row;
  const row = unsealJson(db, r.data);
  if (memo.size >= MAX_OPENED) memo.clear();
  memo.set(r.rowid, { seq: r.seq, row });
  return row;
}

/** The cached rows of one entity: of one patient, or all of them. */
export function cachedRows(db: Store, entity: string, patientId?: string): Row[] {
  const rows = (
    patientId === undefined
      ? stmt(db, 'SELECT rowid, seq, data FROM cache WHERE entity = ?').all(entity)
      : stmt(db, 'SELECT rowid, seq, data FROM cache WHERE patient_id = ? AND entity = ?').all(patientId, entity)
  ) as StoredRow[];
  return rows.map((r) => openRow(db, r));
}

/** A pull page as JSON (an older server, tests): stored as the rows it would have sent. */
export function applyChanges(db: Store, changes: readonly Change[], cursor: string): void {
  applyFeedRows(
    db,
    changes.map((c) => ({
      seq: c.seq,
      entity: c.entity,
      id: c.id,
      patientId: c.entity === 'patient' ? c.id : ((c.data.patient_id as string | null | undefined) ?? null),
      data: JSON.stringify(c.data),
    })),
    cursor,
  );
}

const UPSERT =
  'INSERT INTO cache (entity, id, patient_id, seq, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (entity, id) DO UPDATE SET patient_id = excluded.patient_id, seq = excluded.seq, data = excluded.data WHERE excluded.seq > cache.seq';

const utf8 = (data: string | Uint8Array) => (typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));

/**
 * Writes a pull page in one transaction with its cursor: every row's JSON text sealed as it came
 * (nothing parsed but note drafts, which go to the drafts table), all sealed before the
 * transaction opens. A row's data is its text or, from a rows page, its UTF-8 bytes (sealed
 * without being decoded: the stored value is the same).
 */
export function applyFeedRows(db: Store, rows: readonly FeedRow<string | Uint8Array>[], cursor: string): void {
  const cached = rows.filter((r) => r.entity !== 'note_draft');
  const sealed = sealMany(db, cached.map((r) => r.data));
  const put = stmt(db, UPSERT);
  db.transaction(() => {
    for (const r of rows) if (r.entity === 'note_draft') applyFeedDraft(db, JSON.parse(utf8(r.data)) as Record<string, unknown>);
    for (const [i, r] of cached.entries()) put.run(r.entity, r.id, r.patientId, Number(r.seq), sealed[i]);
    setCursor(db, cursor);
  })();
}

export function getCursor(db: Store): string {
  return (db.prepare("SELECT value FROM sync_state WHERE key = 'cursor'").pluck().get() as string | undefined) ?? '0';
}

function setCursor(db: Store, cursor: string): void {
  db.prepare("INSERT INTO sync_state (key, value) VALUES ('cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(cursor);
}

function toPatient(data: Row): CachedPatient {
  return {
    id: String(data.id),
    mrn: String(data.mrn),
    nationalId: (data.national_id as string | null) ?? null,
    familyName: String(data.family_name),
    givenNames: (data.given_names as string[] | null) ?? [],
    birthDate: (data.birth_date as string | null) ?? null,
    sex: String(data.sex),
    bed: (data.bed as string | null) ?? null,
    wardId: (data.ward_id as number | null) ?? null,
    admittedAt: data.admitted_at ? iso(data.admitted_at) : null,
  };
}

/** Every cached patient of the branch, in no particular order. */
export function allPatients(db: Store): CachedPatient[] {
  return cachedRows(db, 'patient').map(toPatient);
}

/** Patients matching a search (folded as the server folds it: names, MRN prefix, national id), or all. */
export function listPatients(db: Store, q: string | undefined, limit = 100): CachedPatient[] {
  return allPatients(db)
    .filter((p) => !q?.trim() || matchesSearch(p, q))
    .sort((a, b) => a.familyName.localeCompare(b.familyName))
    .slice(0, limit);
}

export function patientChart(db: Store, patientId: string): PatientChart | null {
  const p = stmt(db, "SELECT rowid, seq, data FROM cache WHERE entity = 'patient' AND id = ?").get(patientId) as StoredRow | undefined;
  if (!p) return null;
  const rows = (entity: string) => cachedRows(db, entity, patientId);
  return {
    patient: toPatient(openRow(db, p)),
    observations: rows('observation'),
    medications: rows('medication_request'),
    referrals: rows('service_request'),
    signedNotes: signedNotes(rows('soap_draft'), rows('note_addendum'), (id) => knownUser(db, id)),
  };
}

const iso = (v: unknown) => new Date(String(v)).toISOString();

/** A user's display name and roles, as this station knows them from their sign-in here; null otherwise. */
function knownUser(db: Store, userId: number): { name: string; roles: string[] } | null {
  const profile = db.prepare('SELECT profile FROM local_users WHERE user_id = ?').pluck().get(userId) as string | undefined;
  if (!profile) return null;
  const p = JSON.parse(profile) as { displayName?: unknown; roles?: unknown };
  return typeof p.displayName === 'string' ? { name: p.displayName, roles: Array.isArray(p.roles) ? p.roles.map(String) : [] } : null;
}

/** The approved SOAP drafts among the cached ones, newest first, each with its addenda in order. */
function signedNotes(drafts: Record<string, unknown>[], addenda: Record<string, unknown>[], userOf: (userId: number) => { name: string; roles: string[] } | null): SignedNote[] {
  return drafts
    .filter((d) => d.status === 'approved' && typeof d.approved_text === 'string')
    .map((d) => ({
      noteId: String(d.note_draft_id),
      approvedAt: iso(d.approved_at),
      approvedBy: Number(d.approved_by),
      // The signer as they signed travels with the note (feed); older notes: as known at this station.
      approvedByName: typeof d.approved_by_name === 'string' ? d.approved_by_name : (userOf(Number(d.approved_by))?.name ?? null),
      approvedByRoles: typeof d.approved_by_role === 'string' ? [d.approved_by_role] : (userOf(Number(d.approved_by))?.roles ?? []),
      text: String(d.approved_text),
      addenda: addenda
        .filter((a) => a.soap_draft_id === d.id)
        .map((a) => ({ text: String(a.text), authorUserId: Number(a.author_user_id), createdAt: iso(a.created_at) }))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    }))
    .sort((a, b) => b.approvedAt.localeCompare(a.approvedAt));
}

export const NEW_RESULT_WINDOW_MS = 48 * 3600 * 1000;

/**
 * Per patient: results whose time is within the window, and the notes awaiting review that the
 * signed-in user can act on: a physician, every submitted progress note (a note whose author is
 * not known here as a nurse); anyone, their own submitted notes (a nurse signs her nursing note).
 */
export function patientFlags(
  db: Store,
  userId: number,
  patientIds: readonly string[],
  now = Date.now(),
  roles: readonly string[] = [],
): Record<string, WardBadges> {
  const flags: Record<string, WardBadges> = {};
  const physician = roles.includes('physician') ? 1 : 0;
  // Submitted drafts the user can act on; those whose SOAP draft is approved are dropped below
  // (the SOAP drafts are sealed, so that part is decided after opening them, not in SQL).
  const review = db
    .prepare(
      `SELECT d.id FROM drafts d WHERE d.patient_id = ? AND d.status = 'submitted'
         AND (d.user_id = ? OR (? = 1 AND NOT EXISTS (
               SELECT 1 FROM local_users u WHERE u.user_id = d.user_id
                  AND EXISTS (SELECT 1 FROM json_each(u.profile, '$.roles') r WHERE r.value = 'nurse')
                  AND NOT EXISTS (SELECT 1 FROM json_each(u.profile, '$.roles') r WHERE r.value = 'physician'))))`,
    )
    .pluck();
  for (const id of patientIds) {
    let newResults = 0;
    for (const o of cachedRows(db, 'observation', id)) {
      // Lab results only: vital signs have their own flag (NEWS2).
      if (Array.isArray(o.category) && o.category.includes('vital-signs')) continue;
      const at = Date.parse(String(o.effective_at ?? ''));
      if (at > now - NEW_RESULT_WINDOW_MS && at <= now + 60_000) newResults++;
    }
    const submitted = review.all(id, userId, physician) as string[];
    let awaitingReview = 0;
    if (submitted.length > 0) {
      const approved = new Set(cachedRows(db, 'soap_draft', id).filter((s) => s.status === 'approved').map((s) => String(s.note_draft_id)));
      awaitingReview = submitted.filter((d) => !approved.has(d)).length;
    }
    flags[id] = { newResults, awaitingReview };
  }
  return flags;
}
