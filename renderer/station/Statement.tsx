import { useState } from 'react';
import { blocksApproval, type ReviewedStatement } from '../../contract/soap';

export type StatementAction = 'edit' | 'accept' | 'remove';

/*
 * One statement of the AI draft. The statement itself is a toggle button (select: its evidence is
 * marked in the raw note); its actions follow it in the tab order. A statement without evidence
 * says so in words, not only in colour.
 */
export function Statement({
  statement,
  label,
  selected,
  canChange,
  onSelect,
  onAction,
}: {
  statement: ReviewedStatement;
  label: string;
  selected: boolean;
  canChange: boolean;
  onSelect: () => void;
  /** Resolves true when the server took the change (an edit stays open otherwise). */
  onAction: (action: StatementAction, text?: string) => Promise<boolean>;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const { review } = statement;
  const blocking = blocksApproval(statement);
  const shown = review.editedText ?? statement.text;
  const classes = ['statement', blocking ? 'unsupported' : '', review.removed ? 'removed' : '', selected ? 'selected' : ''].filter(Boolean).join(' ');

  const save = async () => {
    if (editing === null || editing.trim() === '') return;
    if (await onAction('edit', editing.trim())) setEditing(null);
  };

  return (
    <li className={classes} data-testid="statement" data-unsupported={blocking ? 'true' : undefined}>
      <button type="button" className="statement-text" aria-pressed={selected} aria-label={`${label}: ${shown}`} onClick={onSelect}>
        {review.removed ? <s>{shown}</s> : shown}
      </button>
      <span className="tags">
        {blocking && <span className="tag bad">No evidence in the note</span>}
        {!statement.supported && review.accepted && <span className="tag">Accepted without evidence</span>}
        {review.editedText !== null && <span className="tag">Edited</span>}
        {review.removed && <span className="tag">Removed</span>}
      </span>
      {review.editedText !== null && <span className="muted small original">AI wrote: {statement.text}</span>}
      {canChange && editing === null && (
        <span className="actions">
          <button type="button" onClick={() => setEditing(shown)} aria-label={`Edit ${label}`}>
            Edit
          </button>
          {!statement.supported && !review.accepted && !review.removed && (
            <button type="button" onClick={() => void onAction('accept')} aria-label={`Accept as is (${label})`}>
              Accept as is
            </button>
          )}
          {!review.removed && (
            <button type="button" onClick={() => void onAction('remove')} aria-label={`Remove ${label}`}>
              Remove
            </button>
          )}
        </span>
      )}
      {editing !== null && (
        <span className="edit">
          <label>
            New text for {label}
            <textarea
              autoFocus
              rows={3}
              value={editing}
              onChange={(e) => setEditing(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void save();
                if (e.key === 'Escape') setEditing(null);
              }}
            />
          </label>
          <button type="button" className="primary" disabled={editing.trim() === ''} onClick={() => void save()}>
            Save <kbd>Ctrl+Enter</kbd>
          </button>
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </span>
      )}
    </li>
  );
}
