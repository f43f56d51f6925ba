import { useState } from 'react';
import type { NoteReview } from '../../contract/notes';
import { messageOf, station } from './api';
import { cleanedNotice } from './cleaned';
import { SignedDocument, signedWhen } from './SignedDocument';
import { useStation } from './store';

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/* A signed note cannot change: what follows it is an addendum, by a physician, on the record. */
export function SignedView({ review, onChanged }: { review: NoteReview; onChanged: () => Promise<void> }) {
  const draft = review.draft!;
  const user = useStation((s) => s.status?.user);
  const physician = user?.roles.includes('physician') ?? false;
  // Addenda: physicians on a progress note; the author on a nursing note (the server checks too).
  const mayAdd = review.kind === 'nursing' ? review.authorUserId === user?.id : physician;
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signer = draft.approvedByName ?? (draft.approvedBy === user?.id ? user.displayName : `user ${draft.approvedBy}`);
  // The role the note was signed in travels with it; a server before that sends none (then: the note's kind).
  const role = draft.approvedByRole ?? (review.kind === 'nursing' ? 'nurse' : 'physician');

  const add = async () => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const added = await station.addNoteAddendum({ noteId: review.noteId, text });
      if (added.cleaned) setNotice(cleanedNotice(added.cleaned));
      setText('');
      await onChanged();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="signed-note-title" className="signed" data-testid="signed-note">
      <h3 id="signed-note-title">
        Signed by {signer}, {role}, on {draft.approvedAt ? signedWhen(draft.approvedAt) : '—'}
      </h3>
      {/* The content hash stays in the audit trail, not on a clinician's screen. */}
      <SignedDocument text={draft.signedText ?? ''} />
      <h4>Addenda ({review.addenda.length})</h4>
      <ol>
        {review.addenda.map((a) => (
          <li key={a.id} data-testid="addendum">
            <span className="muted small">
              {when(a.createdAt)}, {a.authorName ?? `user ${a.authorUserId}`}:
            </span>{' '}
            {a.text}
          </li>
        ))}
      </ol>
      {mayAdd && (
        <div className="addendum-form">
          <label>
            Addendum
            <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          <button type="button" disabled={busy || text.trim() === ''} onClick={() => void add()}>
            Add addendum
          </button>
          {notice && (
            <p role="status" className="muted" data-testid="addendum-cleaned">
              {notice}
            </p>
          )}
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
