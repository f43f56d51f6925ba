import { useEffect, useRef, useState } from 'react';
import { locateQuotes, markRanges } from '../../contract/evidence';
import type { NoteReview, SoapDraftView } from '../../contract/notes';
import { SOAP_SECTIONS, type SoapSectionName } from '../../contract/soap';
import { messageOf, station, StationCallError } from './api';
import { cleanedNotice } from './cleaned';
import { NotInDraft, openChecks, WrongPatientWarning } from './ReviewChecks';
import { Statement, type StatementAction } from './Statement';
import { useStation } from './store';

const HEADINGS: Record<SoapSectionName, string> = { subjective: 'Subjective', objective: 'Objective', assessment: 'Assessment', plan: 'Plan' };

type Selected = { section: SoapSectionName; index: number } | null;

/*
 * The AI draft beside the raw note it came from. Selecting a statement marks its evidence in the
 * raw note; statements whose evidence the server did not find are set apart and hold approval
 * back until the physician edits, accepts or removes them. Approval is one click and carries
 * the content hash of exactly what is on screen.
 */
export function SoapDraftReview({ review, onChanged, onStale }: { review: NoteReview; onChanged: (r: NoteReview) => void; onStale: () => Promise<void> }) {
  const draft = review.draft!;
  const physician = useStation((s) => s.status?.user?.roles.includes('physician') ?? false);
  const userId = useStation((s) => s.status?.user?.id);
  // A nursing note is signed by the nurse who wrote it; a progress note by a physician.
  const nursing = review.kind === 'nursing';
  const maySign = nursing ? review.authorUserId === userId : physician;
  const [selected, setSelected] = useState<Selected>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const apply = async (f: () => Promise<SoapDraftView>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const view = await f();
      if (view.cleaned) setNotice(cleanedNotice(view.cleaned));
      onChanged({ ...review, draft: view, state: view.status === 'approved' ? 'approved' : 'ready' });
      return true;
    } catch (e) {
      setError(messageOf(e));
      // Someone else changed the draft: show the current one (the physician reviews it again).
      if (e instanceof StationCallError && e.code === 'conflict') await onStale();
      return false;
    } finally {
      setBusy(false);
    }
  };

  /** A check answered: the server returns the whole review as it now stands. */
  const check = async (f: () => Promise<NoteReview>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await f());
    } catch (e) {
      setError(messageOf(e));
      if (e instanceof StationCallError && e.code === 'conflict') await onStale();
    } finally {
      setBusy(false);
    }
  };
  const pending = openChecks(review);
  const blocked = draft.blockingCount > 0 || pending.length > 0;

  const act = (section: SoapSectionName, index: number, action: StatementAction, text?: string) =>
    apply(() => {
      const ref = { noteId: review.noteId, section, index };
      if (action === 'edit') return station.editNoteStatement({ ...ref, text: text ?? '' });
      if (action === 'accept') return station.acceptNoteStatement(ref);
      return station.removeNoteStatement(ref);
    });

  const current = selected ? draft.sections[selected.section][selected.index] : undefined;
  const quotes = current?.quotes ?? [];
  const located = locateQuotes(review.rawText, quotes);

  return (
    <>
      <WrongPatientWarning review={review} canChange={maySign && !busy} onConfirm={() => void check(() => station.confirmNotePatient({ noteId: review.noteId }))} />
      <div className="soap-review">
        <section aria-labelledby="raw-title" className="raw-pane">
          <h3 id="raw-title">Raw note (version {review.rawVersion})</h3>
          <RawNote text={review.rawText} ranges={located.filter((r) => r !== null)} />
          {current && (
            <div className="evidence" data-testid="evidence-list" aria-live="polite">
              <h4>Evidence for the selected statement</h4>
              {quotes.length === 0 && <p className="warn">The AI gave no quote from the note for this statement.</p>}
              <ul>
                {quotes.map((q, i) => (
                  <li key={i} className={located[i] ? '' : 'warn'}>
                    “{q}” {located[i] ? '' : '(not found in the note)'}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </section>
        <section aria-labelledby="draft-title" className="draft-pane">
          <h3 id="draft-title" data-testid="draft-kind">
            {draftKind(draft)} <span className="muted small">(not signed)</span>
          </h3>
          {SOAP_SECTIONS.map((name) => (
            <section key={name} aria-labelledby={`soap-${name}`} className="soap-section">
              <h4 id={`soap-${name}`}>{HEADINGS[name]}</h4>
              {draft.sections[name].length === 0 && <p className="muted">Nothing in the note for this section.</p>}
              <ol>
                {draft.sections[name].map((s, i) => (
                  <Statement
                    key={i}
                    statement={s}
                    label={`${HEADINGS[name]} ${i + 1}`}
                    selected={selected?.section === name && selected.index === i}
                    canChange={maySign && !busy}
                    onSelect={() => setSelected(selected?.section === name && selected.index === i ? null : { section: name, index: i })}
                    onAction={(action, text) => act(name, i, action, text)}
                  />
                ))}
              </ol>
            </section>
          ))}
          <NotInDraft
            review={review}
            canChange={maySign && !busy}
            onAdd={(key, section) => void check(() => station.addNoteOmission({ noteId: review.noteId, key, section }))}
            onDismiss={(key) => void check(() => station.dismissNoteOmission({ noteId: review.noteId, key }))}
          />
          {notice && (
            <p role="status" className="muted" data-testid="statement-cleaned">
              {notice}
            </p>
          )}
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <div className="approve-bar">
            {maySign ? (
              <>
                <button type="button" className="primary" data-testid="approve" disabled={busy || blocked} onClick={() => void apply(() => station.approveNote({ noteId: review.noteId, contentHash: draft.contentHash }))}>
                  Approve and sign
                </button>
                <span className={blocked ? 'warn' : 'muted'} data-testid="blocking">
                  {draft.blockingCount > 0
                    ? `${draft.blockingCount} statement${draft.blockingCount > 1 ? 's' : ''} without evidence must be edited, accepted or removed first.`
                    : 'Every statement has evidence in the note or was checked by you.'}
                  {pending.length > 0 && ` Before signing: ${pending.join('; ')}.`}
                </span>
              </>
            ) : (
              <span className="muted" data-testid="approve-physicians-only">
                {nursing ? 'Only the nurse who wrote this nursing note can change or sign it.' : 'Only a physician can change or approve this draft.'}
              </span>
            )}
          </div>
        </section>
      </div>
    </>
  );
}

/** Says honestly what made the draft: the built-in structurer is no AI model. */
export function draftKind(draft: SoapDraftView): string {
  return draft.provider === 'local' ? 'Structured draft (no AI model)' : `AI draft (${draft.model})`;
}

function RawNote({ text, ranges }: { text: string; ranges: { start: number; end: number }[] }) {
  const el = useRef<HTMLPreElement>(null);
  const key = ranges.map((r) => `${r.start}-${r.end}`).join(',');
  useEffect(() => {
    el.current?.querySelector('mark')?.scrollIntoView({ block: 'nearest' });
  }, [key]);
  return (
    <pre ref={el} className="raw" data-testid="raw-note" tabIndex={0} aria-label="Raw note">
      {markRanges(text, ranges).map((run, i) => (run.marked ? <mark key={i}>{run.text}</mark> : <span key={i}>{run.text}</span>))}
    </pre>
  );
}
