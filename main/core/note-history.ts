import type { NoteHistoryEntry } from '../../contract/station-api';
import { unseal, type Store } from './store';
import { cachedRows } from './cache';

/*
 * A patient's note history as the signed-in user may see it, from what the station holds:
 * - their own notes in every state (a draft not yet submitted reaches nobody else: the server
 *   sends another user's draft only once it is submitted);
 * - a physician also sees the others' notes once submitted (waiting for review);
 * - every clinician sees signed notes.
 * Names and roles: a signed note carries its signer's; an author is named when they have signed
 * in at this station (the feed carries only their id).
 */

type Row = Record<string, unknown>;

interface DraftRow {
  id: string;
  user_id: number;
  patient_id: string;
  text: string;
  status: 'draft' | 'conflict' | 'submitted';
  pending: number;
  updated_at: number;
}

const PREVIEW = 90;
function preview(text: string): string {
  // Read as prose: list dashes and line breaks go (the note itself keeps them).
  const flat = text.replace(/^\s*[-•]\s+/gm, '').replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW ? `${flat.slice(0, PREVIEW - 1)}…` : flat;
}

function profiles(db: Store): Map<number, { name: string; roles: string[] }> {
  const out = new Map<number, { name: string; roles: string[] }>();
  for (const r of db.prepare('SELECT user_id, profile FROM local_users').all() as { user_id: number; profile: string }[]) {
    const p = JSON.parse(r.profile) as { displayName?: unknown; roles?: unknown };
    if (typeof p.displayName === 'string') out.set(r.user_id, { name: p.displayName, roles: Array.isArray(p.roles) ? p.roles.map(String) : [] });
  }
  return out;
}

const roleWord = (roles: readonly string[] | undefined) => (roles?.includes('physician') ? 'physician' : roles?.includes('nurse') ? 'nurse' : null);

export function noteHistory(db: Store, user: { id: number; roles: readonly string[] }, patientId: string): NoteHistoryEntry[] {
  const physician = user.roles.includes('physician');
  const people = profiles(db);
  const signed = new Map<string, Row>();
  for (const d of cachedRows(db, 'soap_draft', patientId)) {
    if (d.status === 'approved' && typeof d.approved_text === 'string') signed.set(String(d.note_draft_id), d);
  }
  const drafts = db.prepare('SELECT id, user_id, patient_id, text, status, pending, updated_at FROM drafts WHERE patient_id = ?').all(patientId) as DraftRow[];
  const out: NoteHistoryEntry[] = [];
  const listed = new Set<string>();
  for (const d of drafts) {
    const s = signed.get(d.id);
    const own = d.user_id === user.id;
    // Private until submitted; a submitted note: its author, and physicians (who review it); signed: everyone.
    if (!s && !own && !(physician && d.status === 'submitted')) continue;
    const author = people.get(d.user_id);
    const authorRole = roleWord(author?.roles);
    const kind = s ? (s.approved_by_role === 'nurse' ? 'nursing' : 'progress') : authorRole === 'nurse' ? 'nursing' : 'progress';
    listed.add(d.id);
    out.push({
      noteId: d.id,
      state: s ? 'signed' : d.status === 'submitted' ? 'waiting' : d.status,
      kind,
      authorUserId: d.user_id,
      authorName: author?.name ?? null,
      authorRole,
      at: s ? new Date(String(s.approved_at)).toISOString() : new Date(d.updated_at).toISOString(),
      preview: preview(s ? String(s.approved_text) : unseal(db, d.text)),
      ...(s ? signer(s, people) : {}),
      pending: d.pending > 0,
    });
  }
  // Signed notes whose raw note is not on this station (written before it was enrolled, or purged).
  for (const [noteId, s] of signed) {
    if (listed.has(noteId)) continue;
    out.push({
      noteId,
      state: 'signed',
      kind: s.approved_by_role === 'nurse' ? 'nursing' : 'progress',
      authorUserId: null,
      authorName: null,
      authorRole: null,
      at: new Date(String(s.approved_at)).toISOString(),
      preview: preview(String(s.approved_text)),
      ...signer(s, people),
      pending: false,
    });
  }
  return out.sort((a, b) => b.at.localeCompare(a.at));
}

function signer(s: Row, people: Map<number, { name: string; roles: string[] }>): { signedByName: string | null; signedByRole: string | null } {
  const known = people.get(Number(s.approved_by));
  return {
    signedByName: typeof s.approved_by_name === 'string' ? s.approved_by_name : (known?.name ?? null),
    signedByRole: typeof s.approved_by_role === 'string' ? s.approved_by_role : roleWord(known?.roles),
  };
}
