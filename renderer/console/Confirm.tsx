import { useEffect, useRef, useState } from 'react';

/**
 * A destructive action asked twice, in the page (no window.confirm under the CSP): the first
 * click shows what will happen and a confirm button, which takes the focus.
 */
export function ConfirmButton({ label, question, confirmLabel, disabled, onConfirm }: { label: string; question: string; confirmLabel: string; disabled?: boolean; onConfirm: () => Promise<void> }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirm.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className="danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-label={question}>
      <p>{question}</p>
      <button
        ref={confirm}
        type="button"
        className="danger"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void onConfirm().finally(() => {
            setBusy(false);
            setAsking(false);
          });
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="secondary" disabled={busy} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </div>
  );
}
