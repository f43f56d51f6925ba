import { useCallback, useEffect, useRef, useState } from 'react';
import type { NoteReview } from '../../contract/notes';
import type { NoteDraftView } from '../../contract/station-api';
import { messageOf, station, StationCallError } from './api';
import { NoteAuditTrail } from './NoteAudit';
import { SignedView } from './SignedView';
import { SoapDraftReview } from './SoapDraftReview';
import { useStation } from './store';

/*
 * SOAP review of the signed-in user's submitted notes for THIS patient. The review itself lives on
 * the server (an AI draft is reviewed and approved only there); the screen reloads it when the
 * station's feed cursor moves (a draft generated, approved elsewhere) rather than polling, since
 * every read of a note is an audited event.
 */
export function Review({ patientId, noteId }: { patientId: string; noteId?: string | undefined }) {
  const go = useStation((s) => s.go);
  const [notes, setNotes] = useState<NoteDraftView[] | null>(null);
  useEffect(() => {
    let live = true;
    station.listDrafts({ patientId }).then(
      (r) => live && setNotes(r.drafts.filter((d) => d.status === 'submitted' && d.patientId === patientId).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))),
      () => live && setNotes([]),
    );
    return () => {
      live = false;
    };
  }, [patientId]);
  if (!notes) return <p aria-busy="true">Loading your notes…</p>;
  const selected = notes.find((n) => n.id === noteId) ?? notes[0];
  if (!selected) {
    return (
      <section aria-labelledby="review-title">
        <h2 id="review-title">SOAP review</h2>
        <p data-testid="review-empty">None of your notes for this patient is waiting for review. Write one on the Note tab and submit it for a SOAP draft.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="review-title" className="review">
      <div className="row">
        <h2 id="review-title">SOAP review</h2>
        {notes.length > 1 && (
          <label className="inline">
            Note
            <select value={selected.id} onChange={(e) => go({ name: 'patient', patientId, tab: 'review', noteId: e.target.value })}>
              {notes.map((n) => (
                <option key={n.id} value={n.id}>
                  Submitted {n.updatedAt.slice(0, 16).replace('T', ' ')}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <NoteReviewPanel key={selected.id} noteId={selected.id} patientId={patientId} />
    </section>
  );
}

type Loaded = { kind: 'loading' } | { kind: 'review'; review: NoteReview } | { kind: 'unavailable'; message: string };

function NoteReviewPanel({ noteId, patientId }: { noteId: string; patientId: string }) {
  const cursor = useStation((s) => s.status?.sync.cursor);
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [auditKey, setAuditKey] = useState(0);

  const load = useCallback(async () => {
    try {
      const review = await station.getNoteReview({ noteId });
      // A note is shown only under the banner of the patient it was written for.
      if (review.patientId !== patientId) setLoaded({ kind: 'unavailable', message: 'This note belongs to another patient.' });
      else setLoaded({ kind: 'review', review });
    } catch (e) {
      const message =
        e instanceof StationCallError && e.code === 'offline'
          ? 'The SOAP review needs the server, and the station is offline. Your note is safe on this station.'
          : e instanceof StationCallError && e.code === 'not_found'
            ? 'The note has not reached the server yet: it is sent when the station is online.'
            : messageOf(e);
      setLoaded({ kind: 'unavailable', message });
    }
    setAuditKey((k) => k + 1);
  }, [noteId, patientId]);

  // Until the draft is there, every feed movement may be it arriving; afterwards the screen's own
  // calls return the new state, and a change made elsewhere shows as a stale-hash refusal.
  const settled = useRef(false);
  settled.current = loaded.kind === 'review' && (loaded.review.state === 'ready' || loaded.review.state === 'approved');
  useEffect(() => {
    if (!settled.current) void load();
  }, [cursor, load]);

  const onChanged = (review: NoteReview) => {
    setLoaded({ kind: 'review', review });
    setAuditKey((k) => k + 1);
  };

  if (loaded.kind === 'loading') return <p aria-busy="true">Loading the review…</p>;
  if (loaded.kind === 'unavailable') {
    return (
      <p role="status" className="notice" data-testid="review-state">
        {loaded.message}
      </p>
    );
  }
  const { review } = loaded;
  return (
    <>
      <ReviewState review={review} />
      {review.state === 'ready' && review.draft && <SoapDraftReview review={review} onChanged={onChanged} onStale={load} />}
      {review.state === 'approved' && review.draft && <SignedView review={review} onChanged={load} />}
      <NoteAuditTrail noteId={noteId} refreshKey={auditKey} />
    </>
  );
}

const STATE_TEXT: Record<NoteReview['state'], string> = {
  not_submitted: 'Not submitted for a SOAP draft yet.',
  waiting: 'Waiting for the AI draft…',
  failed: 'The AI draft could not be made.',
  ready: 'AI draft ready for review: it is not part of the record until a physician approves it.',
  approved: 'Approved and signed.',
};

function ReviewState({ review }: { review: NoteReview }) {
  return (
    <p role="status" aria-live="polite" className={`notice ${review.state}`} data-testid="review-state" aria-busy={review.state === 'waiting'}>
      {review.state === 'ready' && review.kind === 'nursing'
        ? 'Draft of a nursing note, ready for review: it is not part of the record until the nurse who wrote it signs it.'
        : review.state === 'ready' && review.draft?.provider === 'local'
          ? 'Structured draft ready for review (made without an AI model): it is not part of the record until a physician approves it.'
          : STATE_TEXT[review.state]}
      {review.failure && <span> {review.failure.message}</span>}
    </p>
  );
}
