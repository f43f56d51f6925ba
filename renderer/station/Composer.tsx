import { useCallback, useEffect, useRef, useState } from 'react';
import type { DraftView } from '../../contract/station-api';
import { messageOf, station } from './api';
import { Dictation } from './Dictation';
import { registerFlush } from './store';

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

const stateOf = (d: DraftView): SaveState =>
  d.status === 'conflict' ? 'conflict' : d.status === 'submitted' ? 'submitted' : d.pending > 0 || d.serverVersion === 0 ? 'local' : 'synced';

/*
 * The note for THIS patient: the draft is looked up by patient, and every save names the patient
 * the screen was opened for, so a note never wanders to another chart. Text is kept on screen
 * immediately; saving to the station (and later syncing) runs behind it.
 */
export function Composer({ patientId }: { patientId: string }) {
  // The textarea is uncontrolled: a keystroke is painted by the browser, with no React render in
  // between (the keypress-latency goal is one frame while a sync runs). `hasText` drives buttons.
  const area = useRef<HTMLTextAreaElement>(null);
  const [hasText, setHasText] = useState(false);
  const [draft, setDraft] = useState<DraftView | null>(null);
  const [state, setState] = useState<SaveState>('empty');
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const latest = useRef({ text: '', dirty: false, draftId: undefined as string | undefined });
  const chain = useRef<Promise<void>>(Promise.resolve());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const save = useCallback((): Promise<void> => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    chain.current = chain.current.then(async () => {
      if (!latest.current.dirty) return;
      latest.current.dirty = false;
      setState('saving');
      try {
        const d = await station.saveDraft({ patientId, text: latest.current.text, ...(latest.current.draftId ? { draftId: latest.current.draftId } : {}) });
        latest.current.draftId = d.id;
        setDraft(d);
        setError(null);
        if (!latest.current.dirty) setState(stateOf(d));
      } catch (e) {
        latest.current.dirty = true;
        setState('error');
        setError(messageOf(e));
      }
    });
    return chain.current;
  }, [patientId]);

  useEffect(() => {
    let live = true;
    latest.current = { text: '', dirty: false, draftId: undefined };
    void station.listDrafts({ patientId }).then((r) => {
      if (!live) return;
      const open = r.drafts.find((d) => d.status !== 'submitted');
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
  }, [patientId, save]);

  // The sync state of the saved draft changes behind the screen: follow it.
  useEffect(() => {
    const t = setInterval(() => {
      const id = latest.current.draftId;
      if (!id || latest.current.dirty) return;
      station.getDraft({ draftId: id }).then(
        (d) => {
          if (latest.current.dirty) return;
          setDraft(d);
          setState(stateOf(d));
        },
        () => {},
      );
    }, 1000);
    return () => clearInterval(t);
  }, []);

  const onChange = (value: string) => {
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

  const submitted = draft?.status === 'submitted';
  return (
    <section aria-labelledby="note-title" className="composer">
      <div className="row">
        <h2 id="note-title">Progress note</h2>
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
        <Dictation patientId={patientId} draftId={draft?.id} />
        <button type="button" className="primary" disabled={submitted || !hasText} onClick={() => void submit()}>
          Submit for SOAP draft
        </button>
      </div>
    </section>
  );
}
