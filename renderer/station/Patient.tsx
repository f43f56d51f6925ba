import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { PatientChart } from '../../contract/station-api';
import { messageOf, station } from './api';
import { Chart } from './Chart';
import { Vitals } from './Vitals';
import { Composer } from './Composer';
import { allergyLine } from '../../contract/allergy';
import { ageInYears, sexWords } from '../../contract/ward';
import { displayName } from './names';
import { lookAlikeText } from './ward-format';
import { Review } from './Review';
import { CodeStatusLine } from './CodeStatus';
import { useStation, type PatientTab } from './store';

/*
 * Who the patient is, on every patient screen: name, age and sex, birth date, MRN, national id,
 * ward and bed, allergies and code status; and a look-alike on the same ward, in words.
 */
export function PatientBanner({ chart }: { chart: PatientChart }) {
  const patient = chart.patient;
  // Keyboard and screen-reader users land on the banner when a patient opens: they hear whose chart it is.
  const el = useRef<HTMLElement>(null);
  useEffect(() => {
    el.current?.focus();
  }, [patient.id]);
  const age = ageInYears(patient.birthDate, new Date());
  const alike = chart.lookAlikes ?? [];
  return (
    <section ref={el} tabIndex={-1} className="banner" aria-label="Patient" data-testid="patient-banner">
      <strong className="pname">{displayName(patient)}</strong>
      <span>
        {age === null ? 'age unknown' : `${age} y`}, {sexWords(patient.sex)}
      </span>
      <span>
        <span className="muted">Born</span> {patient.birthDate ?? 'unknown'}
      </span>
      <span>
        <span className="muted">MRN</span> {patient.mrn}
      </span>
      <span>
        <span className="muted">National ID</span> {patient.nationalId ?? 'none'}
      </span>
      <span>
        <span className="muted">Ward</span> {chart.ward?.name ?? (patient.wardId === null ? 'not admitted' : '—')} <span className="muted">Bed</span> {patient.bed ?? '—'}
      </span>
      <span className="allergies" data-testid="banner-allergies">
        <span className="muted">Allergies</span> <AllergyLine chart={chart} />
      </span>
      <span data-testid="banner-code-status">
        <span className="muted">Code status</span> <CodeStatusLine current={chart.codeStatuses?.[0]} />
      </span>
      {alike.length > 0 && (
        <p className="banner-alert" role="note" data-testid="banner-lookalike">
          Look-alike on this ward: {lookAlikeText(alike)}. Check the MRN and birth date.
        </p>
      )}
    </section>
  );
}

function AllergyLine({ chart }: { chart: PatientChart }) {
  const line = allergyLine(chart.allergies);
  if (line.kind === 'not-recorded') return <span className="warn">not recorded</span>;
  if (line.kind === 'none-known') return <span>none known</span>;
  return <strong className="allergy-list">{line.items.map((a) => a.substance + (a.reaction ? ` (${a.reaction})` : '')).join('; ')}</strong>;
}

export function usePatientChart(patientId: string, follow: boolean): { chart: PatientChart | null; error: string | null } {
  const [chart, setChart] = useState<PatientChart | null>(null);
  const [error, setError] = useState<string | null>(null);
  // New data from the feed (a result, a signed note) moves the cursor: read the chart again while
  // it is on screen (not under the composer, where a keystroke must not wait for a chart render).
  const cursor = useStation((s) => (follow ? s.status?.sync.cursor : null));
  const localVersion = useStation((s) => s.localVersion);
  useEffect(() => {
    setChart(null);
  }, [patientId]);
  useEffect(() => {
    let live = true;
    station.getPatientChart({ patientId }).then(
      (c) => live && setChart(c.patient.id === patientId ? c : null),
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [patientId, cursor, localVersion]);
  return { chart, error };
}

const TABS: { tab: PatientTab; label: string }[] = [
  { tab: 'chart', label: 'Chart' },
  { tab: 'vitals', label: 'Vitals' },
  { tab: 'note', label: 'Note' },
  { tab: 'review', label: 'SOAP review' },
];

function onTabKey(e: KeyboardEvent, current: PatientTab, open: (tab: PatientTab) => void): void {
  const at = TABS.findIndex((t) => t.tab === current);
  const moves: Record<string, number> = { ArrowRight: at + 1, ArrowLeft: at - 1 + TABS.length, Home: 0, End: TABS.length - 1 };
  const to = moves[e.key];
  if (to === undefined) return;
  e.preventDefault();
  const next = TABS[to % TABS.length]!.tab;
  open(next);
  requestAnimationFrame(() => document.getElementById(`tab-${next}`)?.focus());
}

export function PatientScreen({ patientId, tab, noteId }: { patientId: string; tab: PatientTab; noteId?: string | undefined }) {
  const go = useStation((s) => s.go);
  const { chart, error } = usePatientChart(patientId, tab === 'chart' || tab === 'vitals');
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!chart) return <p aria-busy="true">Loading the chart…</p>;
  return (
    <div className="patient">
      <PatientBanner chart={chart} />
      {/* The tabs pattern of WAI-ARIA: one tab stop, arrows (and Home/End) move between tabs. */}
      <div role="tablist" aria-label="Patient screens" className="tabs" onKeyDown={(e) => onTabKey(e, tab, (next) => go({ name: 'patient', patientId, tab: next }))}>
        {TABS.map((t) => (
          <button
            key={t.tab}
            id={`tab-${t.tab}`}
            role="tab"
            type="button"
            tabIndex={tab === t.tab ? 0 : -1}
            aria-selected={tab === t.tab}
            aria-controls="patient-panel"
            onClick={() => go({ name: 'patient', patientId, tab: t.tab })}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="patient-panel" aria-labelledby={`tab-${tab}`}>
        {tab === 'chart' && <Chart chart={chart} />}
        {tab === 'vitals' && <Vitals chart={chart} />}
        {tab === 'note' && <Composer key={`${patientId}:${noteId ?? ''}`} patientId={patientId} noteId={noteId} />}
        {tab === 'review' && <Review key={patientId} patientId={patientId} noteId={noteId} />}
      </div>
    </div>
  );
}
