import { useCallback, useEffect, useState } from 'react';
import type { z } from 'zod';
import type { OutboxEntry, RejectedItem } from '../../contract/station-api';
import { messageOf, station, stationEventsClient } from './api';
import { useStation } from './store';

type Waiting = z.infer<typeof OutboxEntry>;
type Rejected = z.infer<typeof RejectedItem>;

const REASONS: Record<string, string> = {
  unknown_patient: 'the patient is not known to the server (or not in your branch)',
  unknown_draft: 'the note is not known to the server',
  not_author: 'the note belongs to another user',
  patient_mismatch: 'the note belongs to another patient',
  submitted: 'the note was already submitted',
  invalid: 'the change was not valid',
  unknown_kind: 'this station version sent an unknown change',
  forbidden: 'your role may not make this change',
  server_error: 'the server failed on this change several times and set it aside; your text is still on this station: call IT support',
};

/** A stored reason is `code` or `code: detail` (the server's sentence naming the field at fault). */
function reasonText(reason: string): string {
  const at = reason.indexOf(': ');
  const code = at < 0 ? reason : reason.slice(0, at);
  const detail = at < 0 ? '' : reason.slice(at + 2);
  return `${REASONS[code] ?? code}${detail ? ` (${detail})` : ''}`;
}

export function Outbox() {
  const go = useStation((s) => s.go);
  const [waiting, setWaiting] = useState<Waiting[]>([]);
  const [rejected, setRejected] = useState<Rejected[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const [w, r] = await Promise.all([station.listOutbox({}), station.listRejected({})]);
      setWaiting(w.items);
      setRejected(r.items);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);
  useEffect(() => {
    void load();
    const stops = [stationEventsClient.on('outboxChanged', () => void load()), stationEventsClient.onOpen(() => void load())];
    return () => stops.forEach((stop) => stop());
  }, [load]);
  const retry = async () => {
    try {
      await station.syncNow({});
    } catch (e) {
      setError(messageOf(e));
    }
    await load();
  };
  return (
    <section aria-labelledby="outbox-title">
      <div className="row">
        <h1 id="outbox-title">Outbox</h1>
        <button type="button" onClick={() => void retry()}>
          Send now
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <h2>Waiting to be sent ({waiting.length})</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Made</th>
            <th scope="col">Change</th>
            <th scope="col">Size</th>
            <th scope="col">Attempts</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {waiting.map((w) => (
            <tr key={w.mutationId} data-testid="outbox-waiting">
              <td>{w.createdAt.slice(0, 19).replace('T', ' ')}</td>
              <td>{w.kind}</td>
              <td>{w.bytes} B</td>
              <td>{w.attempts}</td>
              <td>
                {w.patientId && (
                  <button type="button" className="link" onClick={() => go({ name: 'patient', patientId: w.patientId!, tab: 'note' })}>
                    Open note
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Refused by the server ({rejected.length})</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Made</th>
            <th scope="col">Change</th>
            <th scope="col">Reason</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {rejected.map((r) => (
            <tr key={r.mutationId} data-testid="outbox-rejected">
              <td>{r.createdAt.slice(0, 19).replace('T', ' ')}</td>
              <td>{r.kind}</td>
              <td>{reasonText(r.reason)}</td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    void station.dismissRejected({ mutationId: r.mutationId }).then(
                      () => load(),
                      (e: unknown) => setError(messageOf(e)),
                    )
                  }
                >
                  Dismiss
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
