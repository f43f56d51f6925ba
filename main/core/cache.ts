import type { Change } from '../../contract/sync';
import type { CachedPatient, PatientChart, WardBadges, SignedNote } from '../../contract/station-api';
import { matchesSearch } from '../../contract/search';
import type { Store } from './store';
import { applyFeedDraft } from './drafts';

/* The ward's data cached for offline reading, kept as the server's rows, keyed by entity and id. */

export function applyChanges(db: Store, changes: readonly Change[], cursor: string): void {
  const put = db.prepare(
    'INSERT INTO cache (entity, id, patient_id, seq, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (entity, id) DO UPDATE SET patient_id = excluded.patient_id, seq = excluded.seq, data = excluded.data WHERE excluded.seq > cache.seq',
  );
  db.transaction(() => {
    for (const c of changes) {
      if (c.entity === 'note_draft') {
        applyFeedDraft(db, c.data);
        continue;
      }
      const patientId = c.entity === 'patient' ? c.id : ((c.data.patient_id as string | null) ?? null);
      put.run(c.entity, c.id, patientId, Number(c.seq), JSON.stringify(c.data));
    }
    setCursor(db, cursor);
  })();
}

export function getCursor(db: Store): string {
  return (db.prepare("SELECT value FROM sync_state WHERE key = 'cursor'").pluck().get() as string | undefined) ?? '0';
}

function setCursor(db: Store, cursor: string): void {
  db.prepare("INSERT INTO sync_state (key, value) VALUES ('cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(cursor);
}

function toPatient(data: Record<string, unknown>): CachedPatient {
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
  return (db.prepare("SELECT data FROM cache WHERE entity = 'patient'").pluck().all() as string[]).map((r) => toPatient(JSON.parse(r) as Record<string, unknown>));
}

/** Patients matching a search (folded as the server folds it: names, MRN prefix, national id), or all. */
export function listPatients(db: Store, q: string | undefined, limit = 100): CachedPatient[] {
  return allPatients(db)
    .filter((p) => !q?.trim() || matchesSearch(p, q))
    .sort((a, b) => a.familyName.localeCompare(b.familyName))
    .slice(0, limit);
}

export function patientChart(db: Store, patientId: string): PatientChart | null {
  const p = db.prepare("SELECT data FROM cache WHERE entity = 'patient' AND id = ?").pluck().get(patientId) as string | undefined;
  if (!p) return null;
  const rows = (entity: string) =>
    (db.prepare('SELECT data FROM cache WHERE patient_id = ? AND entity = ?').pluck().all(patientId, entity) as string[]).map(
      (d) => JSON.parse(d) as Record<string, unknown>,
    );
  return {
    patient: toPatient(JSON.parse(p) as Record<string, unknown>),
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
  const obs = db.prepare("SELECT data FROM cache WHERE patient_id = ? AND entity = 'observation'").pluck();
  const physician = roles.includes('physician') ? 1 : 0;
  const review = db
    .prepare(
      `SELECT count(*) FROM drafts d WHERE d.patient_id = ? AND d.status = 'submitted'
         AND (d.user_id = ? OR (? = 1 AND NOT EXISTS (
               SELECT 1 FROM local_users u WHERE u.user_id = d.user_id
                  AND EXISTS (SELECT 1 FROM json_each(u.profile, '$.roles') r WHERE r.value = 'nurse')
                  AND NOT EXISTS (SELECT 1 FROM json_each(u.profile, '$.roles') r WHERE r.value = 'physician'))))
         AND NOT EXISTS (SELECT 1 FROM cache c WHERE c.entity = 'soap_draft' AND c.patient_id = d.patient_id
                           AND json_extract(c.data, '$.note_draft_id') = d.id AND json_extract(c.data, '$.status') = 'approved')`,
    )
    .pluck();
  for (const id of patientIds) {
    let newResults = 0;
    for (const d of obs.all(id) as string[]) {
      const o = JSON.parse(d) as Record<string, unknown>;
      // Lab results only: vital signs have their own flag (NEWS2).
      if (Array.isArray(o.category) && o.category.includes('vital-signs')) continue;
      const at = Date.parse(String(o.effective_at ?? ''));
      if (at > now - NEW_RESULT_WINDOW_MS && at <= now + 60_000) newResults++;
    }
    flags[id] = { newResults, awaitingReview: review.get(id, userId, physician) as number };
  }
  return flags;
}
