import { useEffect, useRef, useState } from 'react';
import type { PatientChart } from '../../contract/station-api';
import { messageOf, station } from './api';
import { Chart } from './Chart';
import { Composer } from './Composer';
import { displayName } from './names';
import { useStation } from './store';

export function PatientBanner({ patient }: { patient: PatientChart['patient'] }) {
  // Keyboard and screen-reader users land on the banner when a patient opens: they hear whose chart it is.
  const el = useRef<HTMLElement>(null);
  useEffect(() => {
    el.current?.focus();
  }, [patient.id]);
  return (
    <section ref={el} tabIndex={-1} className="banner" aria-label="Patient" data-testid="patient-banner">
      <strong className="pname">
        {displayName(patient)}
      </strong>
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
        <span className="muted">Bed</span> {patient.bed ?? '—'}
      </span>
    </section>
  );
}

export function usePatientChart(patientId: string): { chart: PatientChart | null; error: string | null } {
  const [chart, setChart] = useState<PatientChart | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setChart(null);
    station.getPatientChart({ patientId }).then(
      (c) => live && setChart(c),
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [patientId]);
  return { chart, error };
}

export function PatientScreen({ patientId, tab }: { patientId: string; tab: 'chart' | 'note' }) {
  const go = useStation((s) => s.go);
  const { chart, error } = usePatientChart(patientId);
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!chart) return <p aria-busy="true">Loading the chart…</p>;
  return (
    <div className="patient">
      <PatientBanner patient={chart.patient} />
      <div role="tablist" aria-label="Patient screens" className="tabs">
        <button role="tab" type="button" aria-selected={tab === 'chart'} onClick={() => go({ name: 'patient', patientId, tab: 'chart' })}>
          Chart
        </button>
        <button role="tab" type="button" aria-selected={tab === 'note'} onClick={() => go({ name: 'patient', patientId, tab: 'note' })}>
          Note
        </button>
        <button role="tab" type="button" aria-selected={false} onClick={() => go({ name: 'review', patientId })}>
          SOAP review
        </button>
      </div>
      <div role="tabpanel">{tab === 'chart' ? <Chart chart={chart} /> : <Composer key={patientId} patientId={patientId} />}</div>
    </div>
  );
}
