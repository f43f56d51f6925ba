import { useEffect, useState } from 'react';
import type { NoteAudit } from '../../contract/notes';
import { messageOf, station } from './api';

const ACTIONS: Record<string, string> = {
  'note.submitted': 'Submitted for a SOAP draft',
  'note.transcribed': 'Dictation transcribed into the note',
  'note.ai_draft_generated': 'AI draft generated',
  'note.ai_draft_failed': 'AI draft failed',
  'note.statement_edit': 'Statement edited',
  'note.statement_accept': 'Statement accepted without evidence',
  'note.statement_remove': 'Statement removed',
  'note.approved': 'Approved and signed',
  'note.addendum': 'Addendum added',
  'note.omission_added': 'Sentence left out of the draft added',
  'note.omission_not_needed': 'Sentence left out of the draft marked not needed',
  'note.patient_confirmed': 'Confirmed the note belongs to this patient',
  'note.read': 'Opened',
};

type AuditEvent = NoteAudit['events'][number];

// The built-in structurer is no AI model: the trail says so (its drafts record provider 'local').
const byStructurer = (e: AuditEvent): boolean => e.detail.provider === 'local';

function who(e: AuditEvent): string {
  if (e.actorName) return e.actorName;
  if (e.actor === 'system:summarizer') return byStructurer(e) ? 'Structurer (no AI model)' : 'AI drafting service';
  if (e.actor.startsWith('system:')) return 'Ward Workstation server';
  if (e.actor.startsWith('station:')) return 'Ward station';
  return e.actor;
}

function what(e: AuditEvent): string {
  const label = e.action === 'note.ai_draft_generated' && byStructurer(e) ? 'Structured draft generated (no AI model)' : (ACTIONS[e.action] ?? e.action);
  const section = typeof e.detail.section === 'string' ? e.detail.section : null;
  const index = typeof e.detail.index === 'number' ? e.detail.index + 1 : null;
  return section && index ? `${label} (${section} ${index})` : label;
}

/* The note's audit trail as the server's hash-chained log holds it; reads are folded away unless asked for. */
export function NoteAuditTrail({ noteId, refreshKey }: { noteId: string; refreshKey: number }) {
  const [audit, setAudit] = useState<NoteAudit | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showReads, setShowReads] = useState(false);
  useEffect(() => {
    let live = true;
    station.getNoteAudit({ noteId }).then(
      (a) => {
        if (!live) return;
        setAudit(a);
        setError(null);
      },
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [noteId, refreshKey]);
  const events = audit?.events.filter((e) => showReads || e.action !== 'note.read') ?? [];
  return (
    <section aria-labelledby="audit-title" className="audit">
      <div className="row">
        <h3 id="audit-title">Audit trail</h3>
        <label className="inline">
          <input type="checkbox" checked={showReads} onChange={(e) => setShowReads(e.target.checked)} /> Show who opened it
        </label>
      </div>
      {error && <p className="muted">{error}</p>}
      <table data-testid="audit-trail">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Who</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.seq} data-action={e.action}>
              <td>{e.at.slice(0, 19).replace('T', ' ')}</td>
              <td>{what(e)}</td>
              <td>{who(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
