import { randomUUID } from 'node:crypto';
import { SEALED_BYTES_OVERHEAD } from './seal';
import { sealBytes, type Store } from './store';

/*
 * Dictations stay on the station (one row per recording, the audio as a BLOB) until the
 * server-side transcription collects them; like drafts, every query names the user. The audio
 * is sealed at rest (AES-256-GCM with the store key, main/core/seal.ts) and emptied once sent.
 */

export interface DictationInput {
  patientId: string;
  draftId?: string | undefined;
  mime: string;
  durationMs: number;
  audioBase64: string;
}

interface Row {
  id: string;
  patient_id: string;
  draft_id: string | null;
  mime: string;
  duration_ms: number;
  bytes: number;
  created_at: number;
  sent_at?: number | null;
}

const view = (r: Row) => ({
  id: r.id,
  patientId: r.patient_id,
  draftId: r.draft_id,
  mime: r.mime,
  durationMs: r.duration_ms,
  bytes: r.bytes,
  createdAt: new Date(r.created_at).toISOString(),
  sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
});

export function saveDictation(db: Store, userId: number, input: DictationInput, now = Date.now()) {
  const audio = Buffer.from(input.audioBase64, 'base64');
  const id = randomUUID();
  db.prepare('INSERT INTO dictations (id, user_id, patient_id, draft_id, mime, duration_ms, audio, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    id,
    userId,
    input.patientId,
    input.draftId ?? null,
    input.mime,
    input.durationMs,
    sealBytes(db, audio),
    now,
  );
  return view({ id, patient_id: input.patientId, draft_id: input.draftId ?? null, mime: input.mime, duration_ms: input.durationMs, bytes: audio.length, created_at: now });
}

export function listDictations(db: Store, userId: number, patientId: string) {
  const rows = db
    .prepare(`SELECT id, patient_id, draft_id, mime, duration_ms, CASE WHEN substr(audio, 1, 3) = CAST('S1B' AS BLOB) THEN length(audio) - ${SEALED_BYTES_OVERHEAD} ELSE length(audio) END AS bytes, created_at, sent_at FROM dictations WHERE user_id = ? AND patient_id = ? ORDER BY created_at`)
    .all(userId, patientId) as Row[];
  return rows.map(view);
}

/** Recordings of the user that wait for the server: those attached to a draft and not yet sent. */
export function waitingDictations(db: Store, userId: number): number {
  return db.prepare('SELECT count(*) FROM dictations WHERE user_id = ? AND sent_at IS NULL AND draft_id IS NOT NULL').pluck().get(userId) as number;
}
