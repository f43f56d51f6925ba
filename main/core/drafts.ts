import { randomUUID } from 'node:crypto';
import { cleanClinicalText } from '../../contract/text';
import { sanitizeDraftText, type ConflictText, type DraftStatus, type Mutation, type ServerDraft } from '../../contract/sync';
import type { NoteDraftView } from '../../contract/station-api';
import { seal, stmt, unseal, type Store } from './store';
import { enqueue } from './outbox';

/*
 * Drafts on the station. Every query names the user: one user never sees another's drafts,
 * also not after a fast user switch on a shared station.
 */

interface DraftRow {
  id: string;
  user_id: number;
  patient_id: string;
  text: string;
  server_version: number;
  status: DraftStatus;
  conflict_texts: string | null;
  pending: number;
  updated_at: number;
}

function toView(db: Store, r: DraftRow): NoteDraftView {
  return {
    id: r.id,
    patientId: r.patient_id,
    text: unseal(db, r.text),
    status: r.status,
    conflictTexts: r.conflict_texts ? (JSON.parse(unseal(db, r.conflict_texts)) as ConflictText[]) : null,
    serverVersion: r.server_version,
    pending: r.pending,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export class DraftError extends Error {
  constructor(readonly code: 'not_found' | 'conflict' | 'bad_request', message: string) {
    super(message);
  }
}

function row(db: Store, userId: number, id: string): DraftRow | undefined {
  return stmt(db, 'SELECT * FROM drafts WHERE id = ? AND user_id = ?').get(id, userId) as DraftRow | undefined;
}

export function getDraft(db: Store, userId: number, id: string): NoteDraftView {
  const r = row(db, userId, id);
  if (!r) throw new DraftError('not_found', 'no such draft');
  return toView(db, r);
}

export function listDrafts(db: Store, userId: number, patientId?: string): NoteDraftView[] {
  const rows = patientId
    ? stmt(db, 'SELECT * FROM drafts WHERE user_id = ? AND patient_id = ? ORDER BY updated_at DESC').all(userId, patientId)
    : stmt(db, 'SELECT * FROM drafts WHERE user_id = ? ORDER BY updated_at DESC').all(userId);
  return (rows as DraftRow[]).map((r) => toView(db, r));
}

/**
 * Saves locally first, in one SQLite transaction with its outbox mutation: when this returns,
 * the text is on disk and will be pushed. Nothing here waits on the network.
 */
export function saveDraft(db: Store, userId: number, input: { draftId?: string | undefined; patientId: string; text: string }, now = Date.now()): NoteDraftView {
  const { text, replaced, bidiRemoved } = cleanClinicalText(input.text);
  const cleaned = replaced || bidiRemoved ? { cleaned: { replaced, bidiRemoved } } : {};
  const id = input.draftId ?? randomUUID();
  return db.transaction(() => {
    const existing = row(db, userId, id);
    if (existing) {
      if (existing.patient_id !== input.patientId) throw new DraftError('bad_request', 'a draft stays with its patient');
      if (existing.status === 'submitted') throw new DraftError('conflict', 'the draft was submitted');
    } else if (stmt(db, 'SELECT 1 FROM drafts WHERE id = ?').get(id)) {
      throw new DraftError('not_found', 'no such draft');
    }
    const base = existing?.server_version ?? 0;
    if (existing) {
      stmt(db, 'UPDATE drafts SET text = ?, pending = pending + 1, updated_at = ? WHERE id = ?').run(seal(db, text), now, id);
    } else {
      stmt(db, 'INSERT INTO drafts (id, user_id, patient_id, text, pending, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)').run(id, userId, input.patientId, seal(db, text), now, now);
    }
    enqueue(db, userId, id, { kind: 'draft.save', payload: { draftId: id, patientId: input.patientId, text, baseVersion: base } }, now);
    return { ...toView(db, row(db, userId, id)!), ...cleaned };
  })();
}

/** The author's choice or merge of a conflict's texts; the conflict ends when the server agrees. */
export function resolveConflict(db: Store, userId: number, draftId: string, text: string, now = Date.now()): NoteDraftView {
  return db.transaction(() => {
    const d = row(db, userId, draftId);
    if (!d) throw new DraftError('not_found', 'no such draft');
    if (d.status !== 'conflict') throw new DraftError('bad_request', 'the draft is not in conflict');
    const clean = sanitizeDraftText(text);
    stmt(db, "UPDATE drafts SET text = ?, status = 'draft', conflict_texts = NULL, pending = pending + 1, updated_at = ? WHERE id = ?").run(seal(db, clean), now, draftId);
    enqueue(db, userId, draftId, { kind: 'draft.resolve', payload: { draftId, text: clean, baseVersion: Math.max(1, d.server_version) } }, now);
    return toView(db, row(db, userId, draftId)!);
  })();
}

export function submitDraft(db: Store, userId: number, draftId: string, now = Date.now()): NoteDraftView {
  return db.transaction(() => {
    const d = row(db, userId, draftId);
    if (!d) throw new DraftError('not_found', 'no such draft');
    if (d.status === 'conflict') throw new DraftError('conflict', 'resolve the conflict first');
    stmt(db, "UPDATE drafts SET status = 'submitted', pending = pending + 1, updated_at = ? WHERE id = ?").run(now, draftId);
    enqueue(db, userId, draftId, { kind: 'draft.submit', payload: { draftId, baseVersion: Math.max(1, d.server_version) } }, now);
    return toView(db, row(db, userId, draftId)!);
  })();
}

/** The server's answer to one of this draft's mutations (push result). */
export function applyDraftAnswer(db: Store, draftId: string, server: ServerDraft | undefined, now = Date.now()): void {
  stmt(db, 'UPDATE drafts SET pending = max(0, pending - 1) WHERE id = ?').run(draftId);
  if (!server) return;
  if (server.status === 'conflict') {
    // Both texts are kept; the local text stays as typed until the author chooses.
    stmt(db, "UPDATE drafts SET status = 'conflict', conflict_texts = ?, server_version = ?, updated_at = ? WHERE id = ?").run(
      seal(db, JSON.stringify(server.conflictTexts ?? [])),
      server.version,
      now,
      draftId,
    );
  } else {
    stmt(db, 'UPDATE drafts SET server_version = max(server_version, ?), status = CASE WHEN pending = 0 THEN ? ELSE status END WHERE id = ?').run(
      server.version,
      server.status,
      draftId,
    );
  }
}

/** A note draft from the change feed. Local edits not yet acknowledged are never overwritten. */
export function applyFeedDraft(db: Store, data: Record<string, unknown>): void {
  const id = String(data.id);
  const version = Number(data.version);
  const local = stmt(db, 'SELECT pending, server_version FROM drafts WHERE id = ?').get(id) as { pending: number; server_version: number } | undefined;
  const conflict = data.conflict_texts ? seal(db, JSON.stringify(data.conflict_texts)) : null;
  const at = Date.parse(String(data.updated_at)) || Date.now();
  if (!local) {
    stmt(db, 'INSERT INTO drafts (id, user_id, patient_id, text, server_version, status, conflict_texts, pending, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)').run(
      id,
      Number(data.author_user_id),
      String(data.patient_id),
      seal(db, String(data.text)),
      version,
      String(data.status),
      conflict,
      at,
      at,
    );
  } else if (local.pending === 0 && version > local.server_version) {
    stmt(db, 'UPDATE drafts SET text = ?, server_version = ?, status = ?, conflict_texts = ?, updated_at = ? WHERE id = ?').run(
      seal(db, String(data.text)),
      version,
      String(data.status),
      conflict,
      at,
      id,
    );
  } else if (data.status === 'conflict' && version > local.server_version) {
    stmt(db, "UPDATE drafts SET status = 'conflict', conflict_texts = ?, server_version = ? WHERE id = ?").run(conflict, version, id);
  }
}

export type DraftMutation = Omit<Extract<Mutation, { kind: 'draft.save' }>, 'id'> | Omit<Extract<Mutation, { kind: 'draft.resolve' }>, 'id'> | Omit<Extract<Mutation, { kind: 'draft.submit' }>, 'id'>;

/**
 * Removes the drafts of users who have not signed in here within IT's offline window (their
 * offline sign-in has expired). Only drafts the server already holds: an unsynced edit stays
 * until it is pushed.
 */
export function purgeStaleDrafts(db: Store, now = Date.now()): number {
  return stmt(
    db,
    `DELETE FROM drafts WHERE pending = 0
       AND NOT EXISTS (SELECT 1 FROM local_users u WHERE u.user_id = drafts.user_id AND u.verified_until > ?)
       AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.draft_id = drafts.id AND o.state = 'pending')`,
  ).run(now).changes;
}
