import { useState } from 'react';
import { allergyLine } from '../../contract/allergy';
import { findLabTest } from '../../contract/clinical/loinc';
import type { NoteHistoryEntry, PatientChart } from '../../contract/station-api';
import { CodeStatusPanel } from './CodeStatus';
import { useStation } from './store';
import { trendSeries, type TrendSeries } from '../../contract/clinical/trend-series';
import { AllergyForm } from './AllergyForm';
import { cumulativeGrid } from './cumulative';
import { LabTrend } from './LabTrend';
import { SignedDocument, signedWhen } from './SignedDocument';

/*
 * The chart at a glance, laid out for 1366×768: on the left the cumulative lab table and a
 * compact grid of trends; on the right allergies, medications, referrals and signed notes, so
 * none of them sits below every trend.
 */

type Row = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const colTime = (t: string) => {
  const d = new Date(`${t}:00Z`);
  return Number.isNaN(d.getTime()) ? t : d.toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
};
const FLAG_WORDS: Record<string, string> = { H: 'high', L: 'low', HH: 'critically high', LL: 'critically low', A: 'abnormal' };

/** Series by code (a panel's components, such as blood pressure, as their own), most measured first. */
function byLoinc(observations: Row[]): TrendSeries[] {
  const out = [...trendSeries(observations).values()].map((g) => ({ ...g, display: findLabTest(g.code)?.shortName ?? g.display }));
  // Most measured first: a test with a real trajectory says more than a single value.
  return out.sort((a, b) => b.points.length - a.points.length || a.display.localeCompare(b.display));
}

function LabTable({ observations }: { observations: Row[] }) {
  const grid = cumulativeGrid(observations);
  if (grid.rows.length === 0) return <p className="muted">No lab results.</p>;
  return (
    <div className="cumulative-wrap">
      <table data-testid="lab-table" className="cumulative">
        <thead>
          <tr>
            <th scope="col">Test</th>
            {grid.times.map((t) => (
              <th scope="col" key={t} className="num">
                {colTime(t)}
              </th>
            ))}
            <th scope="col">Unit</th>
            <th scope="col">Ref.</th>
          </tr>
        </thead>
        <tbody>
          {grid.rows.map((r) => (
            <tr key={r.loinc}>
              <th scope="row" title={`${r.display} (LOINC ${r.loinc})`}>
                {r.short}
              </th>
              {r.cells.map((c, i) =>
                c ? (
                  <td key={i} className={`num lab-${c.flag.toLowerCase() || 'n'}`} title={c.title}>
                    {c.text}
                    {c.flag && <abbr title={FLAG_WORDS[c.flag] ?? c.flag}> {c.flag}</abbr>}
                    {c.status === 'corrected' || c.status === 'amended' ? <span className="muted small"> corr.</span> : c.status === 'preliminary' ? <span className="muted small"> prelim.</span> : null}
                  </td>
                ) : (
                  <td key={i} />
                ),
              )}
              <td className="muted small">{r.unit}</td>
              <td className="muted small">{r.reference}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const TREND_LIMIT = 8;

const isVital = (o: Row) => Array.isArray(o.category) && (o.category as unknown[]).includes('vital-signs');

export function Chart({ chart }: { chart: PatientChart }) {
  const [allTrends, setAllTrends] = useState(false);
  // Vital signs have their own tab (with NEWS2); this is the lab chart.
  const labs = chart.observations.filter((o) => !isVital(o));
  const trends = byLoinc(labs).filter((g) => g.points.length > 1);
  const shown = allTrends ? trends : trends.slice(0, TREND_LIMIT);
  const allergies = allergyLine(chart.allergies);
  return (
    <div className="chart">
      <div className="chart-main">
        <section aria-labelledby="labs-title">
          <h2 id="labs-title">Lab results</h2>
          <LabTable observations={labs} />
        </section>
        <section aria-labelledby="trends-title">
          <h2 id="trends-title">Trends</h2>
          {trends.length === 0 && <p className="muted">No test has been measured twice yet.</p>}
          <div className="trends">
            {shown.map((g) => (
              <LabTrend key={g.code} title={g.display} unit={g.unit} points={g.points} />
            ))}
          </div>
          {trends.length > TREND_LIMIT && (
            <button type="button" className="link" onClick={() => setAllTrends(!allTrends)}>
              {allTrends ? 'Show fewer trends' : `Show all ${trends.length} trends`}
            </button>
          )}
        </section>
      </div>
      <aside className="chart-side" aria-label="Code status, allergies, medications, referrals and notes">
        <CodeStatusPanel patientId={chart.patient.id} statuses={chart.codeStatuses ?? []} />
        <section aria-labelledby="allergies-title">
          <h2 id="allergies-title">Allergies</h2>
          {allergies.kind === 'not-recorded' && <p className="warn">Allergies not recorded.</p>}
          {allergies.kind === 'none-known' && <p>No known allergies.</p>}
          {allergies.kind === 'list' && (
            <ul>
              {allergies.items.map((a) => (
                <li key={a.id}>
                  <strong>{a.substance}</strong>
                  {a.reaction ? ` — ${a.reaction}` : ''}
                  {a.criticality === 'high' ? <span className="flag crit"> high risk</span> : null}
                </li>
              ))}
            </ul>
          )}
          <AllergyForm patientId={chart.patient.id} />
        </section>
        <section aria-labelledby="meds-title">
          <h2 id="meds-title">Medications</h2>
          <ul className="compact">
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
          <ul className="compact">
            {chart.referrals.map((r) => (
              <li key={str(r.id)}>
                <strong>{str(r.display)}</strong> <span className="muted">({str(r.status)}, {str(r.priority)})</span> {str(r.reason)}
              </li>
            ))}
            {chart.referrals.length === 0 && <li className="muted">No referrals.</li>}
          </ul>
        </section>
        <section aria-labelledby="notes-title" data-testid="note-history">
          <h2 id="notes-title">Notes</h2>
          <NoteHistory patientId={chart.patient.id} notes={chart.notes ?? []} />
        </section>
        <section aria-labelledby="signed-title" className="signed-notes">
          <h2 id="signed-title">Signed notes</h2>
          {(chart.signedNotes ?? []).map((n) => (
            <article key={n.noteId} data-testid="chart-signed-note">
              <h3 className="small">
                Signed by {n.approvedByName ?? `user ${n.approvedBy}`}
                {n.approvedByRoles && n.approvedByRoles.length > 0 ? `, ${n.approvedByRoles.join(', ')}` : ''} · {signedWhen(n.approvedAt)}
              </h3>
              <SignedDocument text={n.text} headingLevel={4} />
              {n.addenda.map((a, i) => (
                <p key={i} className="small">
                  <span className="muted">Addendum {signedWhen(a.createdAt)}:</span> {a.text}
                </p>
              ))}
            </article>
          ))}
          {(chart.signedNotes ?? []).length === 0 && <p className="muted">No signed notes on this station yet.</p>}
        </section>
      </aside>
    </div>
  );
}

const STATE_WORDS: Record<NoteHistoryEntry['state'], string> = { draft: 'Draft', conflict: 'Draft in conflict', waiting: 'Waiting for review', signed: 'Signed' };
const KIND_WORDS: Record<NoteHistoryEntry['kind'], string> = { progress: 'Progress note', nursing: 'Nursing note' };

/** The patient's notes this user may see, newest first; each opens where it can be worked on or read. */
function NoteHistory({ patientId, notes }: { patientId: string; notes: readonly NoteHistoryEntry[] }) {
  const go = useStation((s) => s.go);
  const me = useStation((s) => s.status?.user?.id);
  if (notes.length === 0) return <p className="muted small">No notes for this patient yet.</p>;
  const open = (n: NoteHistoryEntry) =>
    go({ name: 'patient', patientId, tab: n.state === 'draft' || n.state === 'conflict' ? 'note' : 'review', noteId: n.noteId });
  return (
    <ul className="note-history">
      {notes.map((n) => {
        const author = n.authorUserId === me ? 'you' : (n.authorName ?? (n.authorUserId === null ? null : `user ${n.authorUserId}`));
        return (
          <li key={n.noteId} data-testid="note-history-entry" data-state={n.state}>
            <span>
              <span className={`note-state st-${n.state}`}>{STATE_WORDS[n.state]}</span>
              {KIND_WORDS[n.kind]} · {signedWhen(n.at)}
              {n.pending ? <span className="muted"> (not yet sent)</span> : null}
            </span>
            <span className="muted small">
              {author ? `By ${author}${n.authorRole && n.authorUserId !== me ? `, ${n.authorRole}` : ''}` : ''}
              {n.state === 'signed' && n.signedByName ? `${author ? ' · ' : ''}Signed by ${n.signedByName}${n.signedByRole ? `, ${n.signedByRole}` : ''}` : ''}
            </span>
            <button type="button" className="note-open" onClick={() => open(n)}>
              {n.preview || '(empty)'}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
