import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { ReviewSections } from '../../contract/notes';
import { ServerApiError, type ServerApiClient } from '../../contract/server-api';
import type { DictationStatus, StationHandlers } from '../../contract/station-api';
import { DATABASE_UNREACHABLE, DATABASE_UNREACHABLE_STATION } from '../../contract/errors';
import { cleanClinicalText } from '../../contract/text';
import { waitingDictations } from './dictations';
import { StationError } from './errors';
import { createStationServerApi, NetworkError } from './server-client';
import type { Sessions } from './session';
import { sealBytes, unsealBytes, type Store } from './store';

/*
 * The station's notes-review calls: each one goes to the server (/api/notes/..., through the
 * client derived from contract/server-api.ts). There is no
 * local review state: an AI draft is reviewed and approved only against the server, so offline
 * these calls answer 'offline' ("needs the server"). Dictations are the exception: the audio is
 * kept in the local store (table dictations) until the server has transcribed it.
 */

type NotesCalls = Pick<
  StationHandlers,
  'getNoteReview' | 'editNoteStatement' | 'acceptNoteStatement' | 'removeNoteStatement' | 'approveNote' | 'addNoteOmission' | 'dismissNoteOmission' | 'confirmNotePatient' | 'addNoteAddendum' | 'getNoteAudit' | 'dictate' | 'sendDictations'
>;

export interface NotesDeps {
  store: Store;
  sessions: Sessions;
  /** The enrolled server and credential, or null when not enrolled. */
  server: () => { url: string; credential: string } | null;
  /** Pushes pending local edits first: a transcript is appended to the server's version of the draft. */
  syncNow: () => Promise<unknown>;
  timeoutMs?: number;
}

const NEEDS_SERVER = 'this needs the server: the station is offline';

/** contract/text.ts cleanClinicalText, with `cleaned` only when something changed (the answer's shape). */
function cleanedText(typed: string): { text: string; cleaned?: { replaced: number; bidiRemoved: number } } {
  const { text, replaced, bidiRemoved } = cleanClinicalText(typed);
  if (text.trim() === '') throw new StationError('bad_request', 'the text is empty once its text-direction control characters are removed: type the text again');
  return replaced || bidiRemoved ? { text, cleaned: { replaced, bidiRemoved } } : { text };
}

export function createNotesCalls(deps: NotesDeps): NotesCalls {
  const timeoutMs = deps.timeoutMs ?? 30_000;

  /** One call of the server's declared API (contract/server-api.ts) as the signed-in user; refusals become StationErrors. */
  async function call<T>(run: (api: ServerApiClient, token: string) => Promise<T>): Promise<T> {
    const user = deps.sessions.require().user;
    const server = deps.server();
    if (!server) throw new StationError('not_enrolled', 'this station is not enrolled: ask IT support to enrol it');
    const token = deps.sessions.tokenFor(user.id);
    if (!token) throw new StationError('offline', NEEDS_SERVER);
    try {
      return await run(createStationServerApi(server.url, server.credential, timeoutMs), token);
    } catch (e) {
      if (e instanceof NetworkError) throw new StationError('offline', NEEDS_SERVER);
      if (!(e instanceof ServerApiError)) throw e;
      const message = e.message.slice(0, 300);
      if (e.status === 401) {
        deps.sessions.dropToken(user.id);
        throw new StationError('unauthorized', message);
      }
      if (e.status === 403) throw new StationError('unauthorized', message);
      if (e.status === 404) throw new StationError('not_found', message);
      if (e.status === 409) throw new StationError('conflict', message);
      if (e.status === 400 || e.status === 413) throw new StationError('bad_request', message);
      if (e.status === 503) throw new StationError('offline', message.startsWith(DATABASE_UNREACHABLE) ? DATABASE_UNREACHABLE_STATION : message);
      throw new StationError('internal', message);
    }
  }

  const statement = (r: { noteId: string; section: keyof ReviewSections; index: number }) => ({ id: r.noteId, section: r.section, index: r.index });

  // One send at a time (the composer's and the background sender's): two concurrent sends would
  // both read a recording as unsent, and its transcript would be appended twice.
  let sending: Promise<unknown> = Promise.resolve();
  function sendPending(): Promise<z.infer<typeof DictationStatus>> {
    const next = sending.then(sendNow, sendNow);
    sending = next.catch(() => {});
    return next;
  }

  async function sendNow(): Promise<z.infer<typeof DictationStatus>> {
    const user = deps.sessions.require().user;
    let sent = 0;
    let lastError: string | null = null;
    try {
      await deps.syncNow();
    } catch {
      // offline: the sends below say so
    }
    const rows = deps.store
      // A recording made before its note had a draft stays on the station (listDictations shows it).
      .prepare('SELECT id, draft_id, mime, audio FROM dictations WHERE user_id = ? AND sent_at IS NULL AND draft_id IS NOT NULL ORDER BY created_at')
      .all(user.id) as { id: string; draft_id: string; mime: string; audio: Buffer }[];
    for (const row of rows) {
      const draft = deps.store.prepare('SELECT server_version, pending FROM drafts WHERE id = ?').get(row.draft_id) as { server_version: number; pending: number } | undefined;
      if (!draft || draft.server_version === 0 || draft.pending > 0) {
        lastError = 'the draft has not reached the server yet';
        break;
      }
      try {
        const body = { mime: row.mime, audioBase64: unsealBytes(deps.store, row.audio).toString('base64'), baseVersion: draft.server_version };
        const r = await call((api, token) => api.transcribeDictation({ token, params: { id: row.draft_id }, body }));
        deps.store.prepare("UPDATE dictations SET sent_at = ?, audio = x'' WHERE id = ?").run(Date.now(), row.id);
        sent++;
        if (r.status !== 'applied') lastError = `transcript ${r.status}`;
      } catch (e) {
        lastError = e instanceof StationError ? e.message : 'sending the dictation failed';
        break;
      }
    }
    return { pending: waitingDictations(deps.store, user.id), sent, lastError };
  }

  return {
    getNoteReview: ({ noteId }) => call((api, token) => api.getNoteReview({ token, params: { id: noteId } })),
    // Typed clinical text is made storable here, as drafts are (drafts.ts), and the change is reported.
    async editNoteStatement(r) {
      const { text, ...cleaned } = cleanedText(r.text);
      return { ...(await call((api, token) => api.editNoteStatement({ token, params: statement(r), body: { text } }))), ...cleaned };
    },
    acceptNoteStatement: (r) => call((api, token) => api.acceptNoteStatement({ token, params: statement(r) })),
    removeNoteStatement: (r) => call((api, token) => api.removeNoteStatement({ token, params: statement(r) })),
    approveNote: ({ noteId, contentHash }) => call((api, token) => api.approveNote({ token, params: { id: noteId }, body: { contentHash } })),
    addNoteOmission: ({ noteId, key, section }) => call((api, token) => api.addNoteOmission({ token, params: { id: noteId, key }, body: { section } })),
    dismissNoteOmission: ({ noteId, key }) => call((api, token) => api.dismissNoteOmission({ token, params: { id: noteId, key } })),
    confirmNotePatient: ({ noteId }) => call((api, token) => api.confirmNotePatient({ token, params: { id: noteId } })),
    async addNoteAddendum({ noteId, text: typed }) {
      const { text, ...cleaned } = cleanedText(typed);
      return { ...(await call((api, token) => api.addNoteAddendum({ token, params: { id: noteId }, body: { text } }))), ...cleaned };
    },
    getNoteAudit: ({ noteId }) => call((api, token) => api.getNoteAudit({ token, params: { id: noteId } })),
    async dictate({ draftId, mime, audioBase64 }) {
      const user = deps.sessions.require().user;
      const owned = deps.store.prepare('SELECT patient_id FROM drafts WHERE id = ? AND user_id = ?').get(draftId, user.id) as { patient_id: string } | undefined;
      if (!owned) throw new StationError('not_found', 'no such draft on this station');
      // The recording belongs to the draft's patient, like the draft itself.
      deps.store
        .prepare('INSERT INTO dictations (id, user_id, patient_id, draft_id, mime, duration_ms, audio, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)')
        .run(randomUUID(), user.id, owned.patient_id, draftId, mime, sealBytes(deps.store, Buffer.from(audioBase64, 'base64')), Date.now());
      return sendPending();
    },
    sendDictations: () => sendPending(),
  };
}
