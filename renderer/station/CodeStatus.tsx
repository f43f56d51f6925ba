import { useState, type FormEvent } from 'react';
import { CODE_STATUS_WORDS, type CodeStatusCode, type CodeStatusView } from '../../contract/code-status';
import { messageOf, station } from './api';
import { signedWhen } from './SignedDocument';
import { useStation } from './store';

/*
 * Code status on the banner (colour and words, never colour alone) and in the chart's side
 * column, where a physician records a new decision: saved on the station, sent through the outbox.
 */

const CLASS: Record<CodeStatusCode, string> = { 'full-code': 'cs-full', dnacpr: 'cs-dnacpr', limitations: 'cs-limits' };

export function CodeStatusLine({ current }: { current: CodeStatusView | undefined }) {
  if (!current) return <span className="code-status cs-none">not recorded</span>;
  return (
    <span className={`code-status ${CLASS[current.status]}`}>
      {CODE_STATUS_WORDS[current.status]}
      {current.limitations ? `: ${current.limitations}` : ''}
    </span>
  );
}

export function CodeStatusPanel({ patientId, statuses }: { patientId: string; statuses: readonly CodeStatusView[] }) {
  const physician = useStation((s) => s.status?.user?.roles.includes('physician') ?? false);
  const current = statuses[0];
  return (
    <section aria-labelledby="code-status-title" data-testid="code-status-panel">
      <h2 id="code-status-title">Code status</h2>
      <p className="small">
        <CodeStatusLine current={current} />
        {current && (
          <span className="muted">
            {' '}
            — {current.recordedByName}, {current.recordedByRole}, {signedWhen(current.recordedAt)}
            {current.pending ? ' (not yet sent)' : ''}
          </span>
        )}
      </p>
      {physician && <CodeStatusForm patientId={patientId} />}
    </section>
  );
}

function CodeStatusForm({ patientId }: { patientId: string }) {
  const bump = useStation((s) => s.bump);
  const [status, setStatus] = useState<CodeStatusCode | ''>('');
  const [limitations, setLimitations] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (status === '') return setError('Choose the code status.');
    if (status === 'limitations' && limitations.trim() === '') return setError('Write down the limitations of treatment.');
    setBusy(true);
    setError(null);
    try {
      await station.recordCodeStatus({ patientId, status, limitations: status === 'limitations' ? limitations.trim() : null });
      setStatus('');
      setLimitations('');
      bump();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="code-status-form">
      <summary>Record code status</summary>
      <form onSubmit={(e) => void submit(e)} aria-label="Record code status" data-testid="code-status-form">
        <label>
          Decision
          <select value={status} onChange={(e) => setStatus(e.target.value as CodeStatusCode | '')}>
            <option value="">choose…</option>
            {(Object.keys(CODE_STATUS_WORDS) as CodeStatusCode[]).map((c) => (
              <option key={c} value={c}>
                {CODE_STATUS_WORDS[c]}
              </option>
            ))}
          </select>
        </label>
        {status === 'limitations' && (
          <label>
            Limitations
            <input value={limitations} onChange={(e) => setLimitations(e.target.value)} maxLength={500} placeholder="e.g. no intubation, no ICU" />
          </label>
        )}
        <button type="submit" disabled={busy}>
          Record
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </details>
  );
}
