import { useCallback, useEffect, useState } from 'react';
import type { AuditCheckpointList } from '../../contract/console';
import { consoleApi } from './api';
import { message, useConsole } from './store';
import { Panel } from './Panel';

/**
 * The newest signed audit checkpoint of each branch this administrator administers, beside the
 * chain now: whether the chain still holds what the checkpoint signed (newest rows deleted or a
 * rebuilt chain show here). `npm run admin -- audit verify` recomputes every hash.
 */
export function Audit() {
  const token = useConsole((s) => s.session?.token);
  const [data, setData] = useState<AuditCheckpointList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    if (!token) return;
    try {
      setData(await consoleApi.auditCheckpoints(token));
      setError(null);
    } catch (e) {
      setError(message(e));
    }
  }, [token]);
  useEffect(() => void load(), [load]);
  if (!token) return null;
  return (
    <Panel id="audit" title="Audit checkpoints" onRefresh={() => void load()} error={error}>
      {data && !data.configured && <p>This server keeps no audit checkpoints (AUDIT_CHECKPOINT_FILE).</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Branch</th>
            <th scope="col">Chain head now</th>
            <th scope="col">Newest checkpoint</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {(data?.branches ?? []).map((b) => (
            <tr key={b.branch} data-testid="checkpoint-row">
              <th scope="row">{b.branch}</th>
              <td>{b.head ? `row ${b.head.seq}, ${new Date(b.head.at).toLocaleString()}` : 'empty'}</td>
              <td>{b.checkpoint ? `row ${b.checkpoint.seq}, ${new Date(b.checkpoint.at).toLocaleString()} (hash ${b.checkpoint.hash.slice(0, 12)}…)` : 'none yet'}</td>
              <td>
                {b.matches === null ? (
                  'not checkpointed yet'
                ) : b.matches ? (
                  <span className="state state-online">matches</span>
                ) : (
                  <span className="state state-revoked">DOES NOT MATCH: {b.reason}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
