import type { PatientChart } from '../../contract/station-api';
import { LabTrend, type LabPoint } from './LabTrend';

type Row = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
const when = (v: unknown) => {
  const d = new Date(str(v));
  return Number.isNaN(d.getTime()) ? str(v) : d.toISOString().slice(0, 16).replace('T', ' ');
};

/** A panel's components (blood pressure: systolic and diastolic) trend as their own series. */
function series(o: Row): Row[] {
  const components = Array.isArray(o.components) ? (o.components as Row[]) : [];
  return [o, ...components.map((c) => ({ loinc: c.code, display: c.display ?? c.code, unit: c.unit, value_num: c.value_num, effective_at: o.effective_at }))];
}

function byLoinc(observations: Row[]): Map<string, { display: string; unit: string; points: LabPoint[] }> {
  const groups = new Map<string, { display: string; unit: string; points: LabPoint[] }>();
  for (const o of observations.flatMap(series)) {
    const value = num(o.value_num);
    if (value === null || Number.isNaN(value)) continue;
    const code = str(o.loinc);
    const g = groups.get(code) ?? { display: str(o.display), unit: str(o.unit), points: [] };
    g.points.push({ t: Date.parse(str(o.effective_at)) / 1000, value, low: num(o.ref_low), high: num(o.ref_high) });
    groups.set(code, g);
  }
  for (const g of groups.values()) g.points.sort((a, b) => a.t - b.t);
  return groups;
}

export function Chart({ chart }: { chart: PatientChart }) {
  const labs = [...chart.observations].sort((a, b) => str(b.effective_at).localeCompare(str(a.effective_at)));
  const trends = [...byLoinc(chart.observations)].filter(([, g]) => g.points.length > 0);
  return (
    <div className="chart">
      <section aria-labelledby="labs-title">
        <h2 id="labs-title">Lab results</h2>
        {labs.length === 0 ? (
          <p className="muted">No lab results.</p>
        ) : (
          <table data-testid="lab-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Test</th>
                <th scope="col">LOINC</th>
                <th scope="col">Value</th>
                <th scope="col">Reference</th>
                <th scope="col">Flag</th>
              </tr>
            </thead>
            <tbody>
              {labs.map((o) => (
                <tr key={str(o.id)}>
                  <td>{when(o.effective_at)}</td>
                  <td>{str(o.display)}</td>
                  <td>{str(o.loinc)}</td>
                  <td>
                    {str(o.comparator)}
                    {str(o.value_num ?? o.value_text)} {str(o.unit)}
                  </td>
                  <td>{o.ref_low != null || o.ref_high != null ? `${str(o.ref_low)}–${str(o.ref_high)}` : ''}</td>
                  <td>{str(o.interpretation)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="trends-title">
        <h2 id="trends-title">Trends</h2>
        <div className="trends">
          {trends.map(([code, g]) => (
            <LabTrend key={code} title={`${g.display} (${code})`} unit={g.unit} points={g.points} />
          ))}
        </div>
      </section>
      <section aria-labelledby="meds-title">
        <h2 id="meds-title">Medications</h2>
        <ul>
          {chart.medications.map((m) => (
            <li key={str(m.id)}>
              <strong>{str(m.display)}</strong> — {str(m.dosage_text)} <span className="muted">({str(m.status)})</span>
            </li>
          ))}
          {chart.medications.length === 0 && <li className="muted">No medications.</li>}
        </ul>
      </section>
      <section aria-labelledby="refs-title">
        <h2 id="refs-title">Referrals</h2>
        <ul>
          {chart.referrals.map((r) => (
            <li key={str(r.id)}>
              <strong>{str(r.display)}</strong> <span className="muted">({str(r.status)}, {str(r.priority)})</span> {str(r.reason)}
            </li>
          ))}
          {chart.referrals.length === 0 && <li className="muted">No referrals.</li>}
        </ul>
      </section>
      <section aria-labelledby="signed-title" className="signed-notes">
        <h2 id="signed-title">Signed notes</h2>
        {(chart.signedNotes ?? []).map((n) => (
          <article key={n.noteId} data-testid="chart-signed-note">
            <h3 className="small">
              Signed {n.approvedAt.slice(0, 16).replace('T', ' ')} by {n.approvedByName ?? `user ${n.approvedBy}`}
            </h3>
            <pre className="signed-text">{n.text}</pre>
            {n.addenda.map((a, i) => (
              <p key={i} className="small">
                <span className="muted">Addendum {a.createdAt.slice(0, 16).replace('T', ' ')}:</span> {a.text}
              </p>
            ))}
          </article>
        ))}
        {(chart.signedNotes ?? []).length === 0 && <p className="muted">No signed notes on this station yet.</p>}
      </section>
    </div>
  );
}
