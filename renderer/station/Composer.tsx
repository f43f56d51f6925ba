import { useCallback, useEffect, useRef, useState } from 'react';
import type { NoteDraftView } from '../../contract/station-api';
import { cleanedNotice } from './cleaned';
import { messageOf, station, stationEventsClient } from './api';
import { Dictation } from './Dictation';
import { registerFlush, useStation } from './store';

type SaveState = 'empty' | 'typing' | 'saving' | 'local' | 'synced' | 'conflict' | 'submitted' | 'error';
const LABEL: Record<SaveState, string> = {
  empty: 'Nothing written yet',
  typing: 'Typing…',
  saving: 'Saving…',
  local: 'Saved on this station',
  synced: 'Synced',
  conflict: 'Changed elsewhere too: choose the text to keep',
  submitted: 'Submitted',
  error: 'Not saved',
};
const AUTOSAVE_MS = 400;

const stateOf = (d: NoteDraftView): SaveState =>
  d.status === 'conflict' ? 'conflict' : d.status === 'submitted' ? 'submitted' : d.pending > 0 || d.serverVersion === 0 ? 'local' : 'synced';

/*
 * The note for THIS patient: the draft is looked up by patient, and every save names the patient
 * the screen was opened for, so a note never wanders to another chart. Text is kept on screen
 * immediately; saving to the station (and later syncing) runs behind it.
 */
export function Composer({ patientId, noteId }: { patientId: string; noteId?: string | undefined }) {
  const go = useStation((s) => s.go);
  // A nurse (not a physician) writes a nursing note, which she signs herself.
  const nursing = useStation((s) => Boolean(s.status?.user?.roles.includes('nurse') && !s.status.user.roles.includes('physician')));
  // IT may switch dictation off for the branch (feature flag, delivered with sync): the button goes.
  const dictationOn = useStation((s) => s.status?.flags?.['dictation.enabled']?.enabled !== false);
  // The textarea is uncontrolled: a keystroke is painted by the browser, with no React render in
  // between (the keypress-latency goal is one frame while a sync runs). `hasText` drives buttons.
  const area = useRef<HTMLTextAreaElement>(null);
  const [hasText, setHasText] = useState(false);
  const [draft, setDraft] = useState<NoteDraftView | null>(null);
  const [state, setState] = useState<SaveState>('empty');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const latest = useRef({ text: '', dirty: false, draftId: undefined as string | undefined });
  const chain = useRef<Promise<void>>(Promise.resolve());
  // Saves in flight, and a count of edits: a read of the draft that raced either is stale.
  const saving = useRef(0);
  const edits = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const save = useCallback((): Promise<void> => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    chain.current = chain.current.then(async () => {
      if (!latest.current.dirty) return;
      latest.current.dirty = false;
      setState('saving');
      saving.current++;
      try {
        const d = await station.saveDraft({ patientId, text: latest.current.text, ...(latest.current.draftId ? { draftId: latest.current.draftId } : {}) });
        latest.current.draftId = d.id;
        setDraft(d);
        setError(null);
        setNotice(d.cleaned ? cleanedNotice(d.cleaned) : null);
        if (!latest.current.dirty) setState(stateOf(d));
      } catch (e) {
        latest.current.dirty = true;
        setState('error');
        setError(messageOf(e));
      } finally {
        saving.current--;
        edits.current++;
      }
    });
    return chain.current;
  }, [patientId]);

  useEffect(() => {
    let live = true;
    latest.current = { text: '', dirty: false, draftId: undefined };
    void station.listDrafts({ patientId }).then((r) => {
      if (!live) return;
      // The draft picked in the note history, when it is still open; else the newest open one.
      // Either is looked up among THIS patient's drafts.
      const opened = r.drafts.filter((d) => d.status !== 'submitted');
      const open = opened.find((d) => d.id === noteId) ?? opened[0];
      if (open) {
        latest.current.draftId = open.id;
        latest.current.text = open.text;
        if (area.current) area.current.value = open.text;
        setHasText(open.text.trim() !== '');
        setDraft(open);
        setState(stateOf(open));
      }
      setLoaded(true);
    });
    const unregister = registerFlush(save);
    return () => {
      live = false;
      unregister();
      void save();
    };
  }, [patientId, noteId, save]);

  // The saved draft changes behind the screen (its sync state; a dictation's transcript appended
  // by the server as the next version), or a draft of this patient appears (made elsewhere on
  // this station): follow it when the station says so, never over anything typed since the
  // request went out.
  useEffect(() => {
    const follow = () => {
      const id = latest.current.draftId;
      if (latest.current.dirty || saving.current > 0) return;
      const seen = edits.current;
      const read = id ? station.getDraft({ draftId: id }) : station.listDrafts({ patientId }).then((r) => r.drafts.find((d) => d.status !== 'submitted') ?? null);
      read.then(
        (d) => {
          if (!d || latest.current.dirty || saving.current > 0 || edits.current !== seen || (id ? d.id !== latest.current.draftId : latest.current.draftId)) return;
          latest.current.draftId = d.id;
          if ((d.pending === 0 || !id) && d.text !== latest.current.text && area.current) {
            const el = area.current;
            const [from, to] = [el.selectionStart, el.selectionEnd];
            el.value = d.text;
            el.setSelectionRange(Math.min(from, d.text.length), Math.min(to, d.text.length));
            latest.current.text = d.text;
            setHasText(d.text.trim() !== '');
          }
          setDraft(d);
          setState(stateOf(d));
        },
        () => {},
      );
    };
    const stops = [
      stationEventsClient.on('draftsChanged', (e) => {
        const id = latest.current.draftId;
        if (id ? e.draftIds.includes(id) : e.patientIds.includes(patientId)) follow();
      }),
      stationEventsClient.onOpen(follow),
    ];
    return () => stops.forEach((stop) => stop());
  }, [patientId]);

  const onChange = (value: string) => {
    edits.current++;
    setHasText(value.trim() !== '');
    latest.current.text = value;
    latest.current.dirty = true;
    setState('typing');
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void save(), AUTOSAVE_MS);
  };

  const keepMine = async () => {
    if (!draft) return;
    const d = await station.resolveConflict({ draftId: draft.id, text: latest.current.text });
    setDraft(d);
    setState(stateOf(d));
  };
  const submit = async () => {
    await save();
    if (!latest.current.draftId) return;
    try {
      const d = await station.submitDraft({ draftId: latest.current.draftId });
      setDraft(d);
      setState(stateOf(d));
    } catch (e) {
      setError(messageOf(e));
    }
  };

  // A dictation needs a draft to belong to: the first recording of a new note creates it.
  const ensureDraft = useCallback(async () => {
    if (!latest.current.draftId) latest.current.dirty = true;
    await save();
    return latest.current.draftId;
  }, [save]);

  const startNew = () => {
    latest.current = { text: '', dirty: false, draftId: undefined };
    if (area.current) area.current.value = '';
    setHasText(false);
    setDraft(null);
    setState('empty');
    setError(null);
  };

  const submitted = draft?.status === 'submitted';
  return (
    <section aria-labelledby="note-title" className="composer">
      <div className="row">
        <h2 id="note-title">{nursing ? 'Nursing note' : 'Progress note'}</h2>
        <output className={`savestate ${state}`} data-testid="save-state" aria-live="polite">
          {LABEL[state]}
        </output>
      </div>
      <label htmlFor="note-text" className="sr-only">
        Note text
      </label>
      <textarea
        id="note-text"
        data-testid="note-text"
        ref={area}
        defaultValue=""
        disabled={!loaded || submitted}
        onChange={(e) => onChange(e.target.value)}
        onBlur={() => void save()}
        rows={12}
        spellCheck={false}
      />
      {notice && (
        <p role="status" className="muted" data-testid="draft-cleaned">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {draft?.status === 'conflict' && draft.conflictTexts && (
        <div className="conflict" role="region" aria-label="Conflicting versions">
          {draft.conflictTexts.map((c) => (
            <details key={`${c.version}-${c.stationId ?? ''}`}>
              <summary>Version {c.version} from another station</summary>
              <pre>{c.text}</pre>
            </details>
          ))}
          <button type="button" onClick={() => void keepMine()}>
            Keep the text above
          </button>
        </div>
      )}
      <div className="row">
        {!submitted && dictationOn && <Dictation patientId={patientId} ensureDraft={ensureDraft} />}
        {submitted && draft ? (
          <span className="row">
            <button type="button" className="primary" onClick={() => go({ name: 'patient', patientId, tab: 'review', noteId: draft.id })}>
              Open the SOAP review
            </button>
            <button type="button" onClick={startNew}>
              Start a new note
            </button>
          </span>
        ) : (
          <button type="button" className="primary" disabled={!hasText} onClick={() => void submit()}>
            Submit for SOAP draft
          </button>
        )}
      </div>
    </section>
  );
}
