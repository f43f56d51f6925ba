import { useState } from 'react';
import type { NoteReview, Omission } from '../../contract/notes';
import { SOAP_SECTIONS, type SoapSectionName } from '../../contract/soap';

const SECTION_NAMES: Record<SoapSectionName, string> = { subjective: 'Subjective', objective: 'Objective', assessment: 'Assessment', plan: 'Plan' };
const REASONS: Record<Omission['reasons'][number], string> = { dose: 'dose or measurement', drug: 'drug', negation: 'negation', diagnosis: 'diagnosis', allergy: 'allergy' };

/** The checks still holding approval back, in words; empty when none. */
export function openChecks(review: NoteReview): string[] {
  const checks = review.checks;
  if (!checks) return [];
  const out: string[] = [];
  const open = checks.omissions.filter((o) => !o.dismissed).length;
  if (checks.patientWarnings.length > 0 && !checks.patientConfirmed) out.push('confirm that the note belongs to this patient');
  if (open > 0) out.push(`add ${open} sentence${open > 1 ? 's' : ''} left out of the draft, or mark ${open > 1 ? 'them' : 'it'} as not needed`);
  return out;
}

/*
 * Shown at the top of the review: signs that the raw note is about another patient. Approval
 * waits until the physician confirms the note belongs to the patient on the banner.
 */
export function WrongPatientWarning({ review, canChange, onConfirm }: { review: NoteReview; canChange: boolean; onConfirm: () => void }) {
  const checks = review.checks;
  if (!checks || checks.patientWarnings.length === 0) return null;
  return (
    <section aria-labelledby="wrong-patient-title" className="check-panel danger" data-testid="wrong-patient">
      <h3 id="wrong-patient-title">Is this note about another patient?</h3>
      <ul>
        {checks.patientWarnings.map((w, i) => (
          <li key={i}>{w.message}</li>
        ))}
      </ul>
      {checks.patientConfirmed ? (
        <p className="muted" data-testid="patient-confirmed">
          You confirmed that this note belongs to the patient on the banner.
        </p>
      ) : canChange ? (
        <button type="button" onClick={onConfirm} data-testid="confirm-patient">
          The note belongs to the patient on the banner
        </button>
      ) : (
        <p className="muted">A physician must confirm whose note this is before it can be signed.</p>
      )}
    </section>
  );
}

/*
 * "Not in the draft": sentences of the raw note with clinical content that no statement's evidence
 * covers. Each is added to a section of the draft, or marked as not needed, before approval.
 */
export function NotInDraft({
  review,
  canChange,
  onAdd,
  onDismiss,
}: {
  review: NoteReview;
  canChange: boolean;
  onAdd: (key: string, section: SoapSectionName) => void;
  onDismiss: (key: string) => void;
}) {
  const omissions = review.checks?.omissions ?? [];
  if (omissions.length === 0) return null;
  return (
    <section aria-labelledby="not-in-draft-title" className="check-panel" data-testid="not-in-draft">
      <h4 id="not-in-draft-title">Not in the draft</h4>
      <p className="small">These sentences of the note carry clinical content that the draft leaves out.</p>
      <ul>
        {omissions.map((o) => (
          <OmissionItem key={o.key} omission={o} canChange={canChange} onAdd={onAdd} onDismiss={onDismiss} />
        ))}
      </ul>
    </section>
  );
}

function OmissionItem({ omission, canChange, onAdd, onDismiss }: { omission: Omission; canChange: boolean; onAdd: (key: string, section: SoapSectionName) => void; onDismiss: (key: string) => void }) {
  const [section, setSection] = useState<SoapSectionName>('subjective');
  const id = `omission-${omission.key}`;
  return (
    <li data-testid="omission" data-dismissed={omission.dismissed}>
      <span id={id}>“{omission.text}”</span> <span className="tag">{omission.reasons.map((r) => REASONS[r]).join(', ')}</span>
      {omission.dismissed ? (
        <span className="muted small"> Marked as not needed.</span>
      ) : (
        canChange && (
          <span className="actions">
            <label className="inline small">
              Section
              <select value={section} onChange={(e) => setSection(e.target.value as SoapSectionName)} aria-describedby={id}>
                {SOAP_SECTIONS.map((s) => (
                  <option key={s} value={s}>
                    {SECTION_NAMES[s]}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={() => onAdd(omission.key, section)} aria-describedby={id}>
              Add to the draft
            </button>
            <button type="button" onClick={() => onDismiss(omission.key)} aria-describedby={id}>
              Not needed
            </button>
          </span>
        )
      )}
    </li>
  );
}
