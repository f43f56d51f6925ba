import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { RolloutStatus } from '../../contract/releases';
import { useReleases } from './releases-store';
import { Panel } from './Panel';

const STATE_LABEL: Record<RolloutStatus['state'], string> = {
  active: 'rolling out',
  paused: 'paused',
  halted: 'halted automatically',
  rolled_back: 'rolled back',
  superseded: 'superseded',
};

function rate(n: number): string {
  return n.toFixed(2);
}

function ThresholdForm({ rollout }: { rollout: RolloutStatus }) {
  const { setThreshold, busy } = useReleases();
  const [ratio, setRatio] = useState(String(rollout.threshold.maxErrorRatio));
  const [minRate, setMinRate] = useState(String(rollout.threshold.minErrorRate));
  const [minStations, setMinStations] = useState(String(rollout.threshold.minStations));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void setThreshold({ maxErrorRatio: Number(ratio), minErrorRate: Number(minRate), minStations: Number(minStations) });
  };
  return (
    <form className="threshold" onSubmit={submit} aria-label="Halt threshold">
      <label>
        Halt when the new version's error rate exceeds the old one's × (ratio)
        <input name="maxErrorRatio" type="number" min={1} max={100} step="any" required value={ratio} onChange={(e) => setRatio(e.target.value)} />
      </label>
      <label>
        …and exceeds (errors per station-hour)
        <input name="minErrorRate" type="number" min={0} max={10000} step="any" required value={minRate} onChange={(e) => setMinRate(e.target.value)} />
      </label>
      <label>
        Stations on the new version needed before a verdict
        <input name="minStations" type="number" min={1} max={100000} step={1} required value={minStations} onChange={(e) => setMinStations(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Set threshold
      </button>
    </form>
  );
}

/** Move, pause, resume, and a rollback that asks for confirmation in the page (no window.confirm under the CSP). */
function Controls({ rollout }: { rollout: RolloutStatus }) {
  const { moveTo, change, busy } = useReleases();
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);
  const live = rollout.state === 'active' || rollout.state === 'paused' || rollout.state === 'halted';
  const next = rollout.rings.find((r) => r.position > rollout.ringPosition);
  return (
    <div className="controls" role="group" aria-label="Rollout controls">
      <button type="button" disabled={busy || !next || rollout.state === 'halted' || !live} onClick={() => next && void moveTo(next.name)}>
        {next ? `Move to next ring (${next.name})` : 'Every ring reached'}
      </button>
      {rollout.state === 'active' && (
        <button type="button" disabled={busy} onClick={() => void change('pause')}>
          Pause
        </button>
      )}
      {(rollout.state === 'paused' || rollout.state === 'halted') && (
        <button type="button" disabled={busy} onClick={() => void change('resume')}>
          Resume
        </button>
      )}
      {live && !confirming && (
        <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
          Roll back
        </button>
      )}
      {live && confirming && (
        <div className="confirm" role="group" aria-label="Confirm rollback">
          <p>
            Roll back {rollout.version}? Every station is offered {rollout.baselineVersion ?? 'the previous version'} and installs it as a downgrade.
          </p>
          <button
            ref={confirmButton}
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => {
              setConfirming(false);
              void change('rollback');
            }}
          >
            Confirm rollback
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}

function Rollout({ rollout }: { rollout: RolloutStatus }) {
  const { candidate, baseline } = rollout.health;
  const t = rollout.threshold;
  return (
    <>
      <p className="rollout-head">
        <strong>{rollout.version}</strong> on channel {rollout.channel}, previous version {rollout.baselineVersion ?? 'none'} —{' '}
        <span data-testid="rollout-state" className={`state rollout-${rollout.state}`}>
          {STATE_LABEL[rollout.state]}
        </span>
      </p>
      {rollout.state === 'halted' && (
        <p className="halted" role="status" data-testid="halt-reason">
          Halted automatically: {rollout.haltReason ?? 'the new version misbehaved'}. Resume or roll back.
        </p>
      )}
      <Controls rollout={rollout} />
      <h3 id="rings-title">Rings</h3>
      <table aria-labelledby="rings-title">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Ring</th>
            <th scope="col">Kind</th>
            <th scope="col">Branch</th>
            <th scope="col">Stations</th>
            <th scope="col">Reached</th>
          </tr>
        </thead>
        <tbody>
          {rollout.rings.map((r) => (
            <tr key={r.name} data-testid="ring-row">
              <td>{r.position}</td>
              <th scope="row">{r.name}</th>
              <td>{r.kind}</td>
              <td>{r.branch ?? 'all branches'}</td>
              <td>{r.stations}</td>
              <td className={r.reached ? 'state state-online' : ''}>{r.reached ? 'reached' : 'not yet'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 id="health-title">Error rates</h3>
      <table aria-labelledby="health-title" data-testid="health">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Reporting stations</th>
            <th scope="col">Station-hours</th>
            <th scope="col">Incidents</th>
            <th scope="col">Errors per station-hour</th>
          </tr>
        </thead>
        <tbody>
          {[
            { label: 'new', h: candidate },
            ...(baseline ? [{ label: 'previous', h: baseline }] : []),
          ].map(({ label, h }) => (
            <tr key={label}>
              <th scope="row">
                {h.version} ({label})
              </th>
              <td>{h.stations}</td>
              <td>{rate(h.stationHours)}</td>
              <td>{h.incidents}</td>
              <td>{rate(h.errorRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Threshold: halt when the new version's rate exceeds {t.maxErrorRatio} × the previous one's and {t.minErrorRate} per station-hour, once {t.minStations}{' '}
        station(s) report.
      </p>
      <ThresholdForm key={`${rollout.version}/${t.maxErrorRatio}/${t.minErrorRate}/${t.minStations}`} rollout={rollout} />
      <h3 id="timeline-title">Timeline</h3>
      <ol aria-labelledby="timeline-title" className="timeline">
        {rollout.timeline.map((e, i) => (
          <li key={i}>
            {new Date(e.at).toLocaleString()} — {e.kind}
            {typeof e.detail.ring === 'string' ? ` to ${e.detail.ring}` : ''}
            {typeof e.detail.reason === 'string' ? `: ${e.detail.reason}` : ''}
          </li>
        ))}
      </ol>
    </>
  );
}

/** Releases: the current rollout per ring and branch, its health against the previous version, and the fleet's versions. */
export function Releases() {
  const { rollout, fleet, noRollout, error, load } = useReleases();
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 15_000);
    return () => clearInterval(timer);
  }, [load]);
  return (
    <Panel id="releases" title="Releases" onRefresh={() => void load()} error={error}>
      {rollout && <Rollout rollout={rollout} />}
      {noRollout && <p>No rollout on this channel yet (npm run admin -- release …).</p>}
      <h3 id="fleet-versions-title">Versions in the fleet</h3>
      <table aria-labelledby="fleet-versions-title" data-testid="fleet-versions">
        <thead>
          <tr>
            <th scope="col">Branch</th>
            <th scope="col">Versions (stations)</th>
          </tr>
        </thead>
        <tbody>
          {fleet?.branches.map((b) => (
            <tr key={b.branch}>
              <th scope="row">{b.branch}</th>
              <td>
                {b.versions.map((v) => (
                  <span key={v.version ?? 'none'} className="chip">
                    {v.version ?? 'unknown'}: {v.stations}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
