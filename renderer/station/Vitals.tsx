import { useState, type FormEvent } from 'react';
import { news2, NEWS2_RESPONSE, type News2Band } from '../../contract/clinical/news2';
import type { PatientChart, VitalsSet } from '../../contract/station-api';
import { CONSCIOUSNESS_WORDS } from '../../contract/vitals';
import { messageOf, station } from './api';
import { LabTrend, type LabPoint } from './LabTrend';
import { signedWhen } from './SignedDocument';
import { useStation } from './store';

/*
 * Vital signs at the bedside: the NEWS2 parameters, saved on this station at once (offline too)
 * and sent through the outbox; the score and its band shown as the values are typed, and the
 * history with its trends (the score among them).
 */

export const BAND_WORDS: Record<News2Band, string> = { low: 'low', 'low-medium': 'low–medium', medium: 'medium', high: 'high' };

interface Form {
  respiratoryRate: string;
  spo2: string;
  spo2Scale: '1' | '2';
  onOxygen: boolean;
  oxygenFlow: string;
  systolic: string;
  diastolic: string;
  pulse: string;
  consciousness: 'A' | 'C' | 'V' | 'P' | 'U';
  temperature: string;
}
const EMPTY: Form = { respiratoryRate: '', spo2: '', spo2Scale: '1', onOxygen: false, oxygenFlow: '', systolic: '', diastolic: '', pulse: '', consciousness: 'A', temperature: '' };
const num = (s: string) => (s.trim() === '' ? null : Number(s.replace(',', '.')));

function preview(f: Form) {
  const [rr, spo2, sbp, pulse, t] = [num(f.respiratoryRate), num(f.spo2), num(f.systolic), num(f.pulse), num(f.temperature)];
  if ([rr, spo2, sbp, pulse, t].some((v) => v === null || Number.isNaN(v))) return null;
  return news2({ respiratoryRate: rr!, spo2: spo2!, spo2Scale: f.spo2Scale === '2' ? 2 : 1, onOxygen: f.onOxygen, systolicBp: sbp!, pulse: pulse!, consciousness: f.consciousness, temperature: t! });
}

function VitalsForm({ patientId }: { patientId: string }) {
  const bump = useStation((s) => s.bump);
  const [f, setF] = useState<Form>(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setF({ ...f, [k]: v });
  const score = preview(f);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const v = await station.recordVitals({
        patientId,
        takenAt: new Date().toISOString(),
        respiratoryRate: num(f.respiratoryRate)!,
        spo2: num(f.spo2)!,
        spo2Scale: f.spo2Scale === '2' ? 2 : 1,
        onOxygen: f.onOxygen,
        oxygenFlow: f.onOxygen ? num(f.oxygenFlow) : null,
        systolic: num(f.systolic)!,
        diastolic: num(f.diastolic),
        pulse: num(f.pulse)!,
        consciousness: f.consciousness,
        temperature: num(f.temperature)!,
      });
      setSaved(`Saved on this station: NEWS2 ${v.news2.total} (${BAND_WORDS[v.news2.band]}). It is sent to the server when the network allows.`);
      setF(EMPTY);
      bump();
    } catch (err) {
      setError(messageOf(err).replace(/^invalid input: /, 'Check these values: '));
    } finally {
      setBusy(false);
    }
  };
  const field = (k: keyof Form, label: string, unit: string, attrs: { min: number; max: number; step?: number }) => (
    <label className="vital">
      {label}
      <span className="with-unit">
        <input type="number" inputMode="decimal" required={k !== 'diastolic'} value={f[k] as string} onChange={(e) => set(k, e.target.value as never)} {...attrs} />
        <span className="muted">{unit}</span>
      </span>
    </label>
  );
  return (
    <form className="vitals-form" onSubmit={(e) => void submit(e)} aria-labelledby="vitals-form-title" data-testid="vitals-form">
      <h2 id="vitals-form-title">Record vital signs</h2>
      <div className="vitals-grid">
        {field('respiratoryRate', 'Respiratory rate', '/min', { min: 0, max: 80 })}
        {field('spo2', 'SpO₂', '%', { min: 40, max: 100 })}
        <label className="vital">
          SpO₂ scale
          <select value={f.spo2Scale} onChange={(e) => set('spo2Scale', e.target.value as '1' | '2')}>
            <option value="1">Scale 1</option>
            <option value="2">Scale 2 (target 88–92 %, as prescribed)</option>
          </select>
        </label>
        <fieldset className="vital">
          <legend>Air or oxygen</legend>
          <label className="inline">
            <input type="radio" name="o2" checked={!f.onOxygen} onChange={() => set('onOxygen', false)} /> Air
          </label>
          <label className="inline">
            <input type="radio" name="o2" checked={f.onOxygen} onChange={() => set('onOxygen', true)} /> Oxygen
          </label>
        </fieldset>
        {f.onOxygen && field('oxygenFlow', 'Oxygen flow', 'L/min', { min: 0.5, max: 60, step: 0.5 })}
        {field('systolic', 'Systolic BP', 'mmHg', { min: 30, max: 300 })}
        {field('diastolic', 'Diastolic BP', 'mmHg', { min: 10, max: 200 })}
        {field('pulse', 'Pulse', '/min', { min: 10, max: 300 })}
        <label className="vital">
          Consciousness (ACVPU)
          <select value={f.consciousness} onChange={(e) => set('consciousness', e.target.value as Form['consciousness'])}>
            {(['A', 'C', 'V', 'P', 'U'] as const).map((c) => (
              <option key={c} value={c}>
                {c} — {CONSCIOUSNESS_WORDS[c]}
              </option>
            ))}
          </select>
        </label>
        {field('temperature', 'Temperature', '°C', { min: 25, max: 45, step: 0.1 })}
      </div>
      <div className="vitals-actions">
        <output className={`news2 band-${score?.band ?? 'none'}`} data-testid="news2-preview" aria-live="polite">
          {score ? `NEWS2 ${score.total} — ${NEWS2_RESPONSE[score.band]}` : 'NEWS2: enter every value to see the score'}
        </output>
        <button type="submit" className="primary" disabled={busy}>
          Save vital signs
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {saved && (
        <p role="status" className="muted" data-testid="vitals-saved">
          {saved}
        </p>
      )}
    </form>
  );
}

const point = (t: string, value: number): LabPoint => ({ t: Date.parse(t) / 1000, value, low: null, high: null });

function trends(sets: VitalsSet[]) {
  const old = [...sets].reverse();
  const series = (f: (s: VitalsSet) => number | null, low: number | null = null, high: number | null = null) =>
    old.flatMap((s) => (f(s) === null ? [] : [{ ...point(s.takenAt, f(s)!), low, high }]));
  return [
    { title: 'NEWS2', unit: 'points', points: series((s) => s.news2.total, 0, 4) },
    { title: 'Resp. rate', unit: '/min', points: series((s) => s.respiratoryRate, 12, 20) },
    { title: 'SpO₂', unit: '%', points: series((s) => s.spo2, 96, 100) },
    { title: 'Systolic BP', unit: 'mmHg', points: series((s) => s.systolic, 111, 219) },
    { title: 'Pulse', unit: '/min', points: series((s) => s.pulse, 51, 90) },
    { title: 'Temperature', unit: '°C', points: series((s) => s.temperature, 36.1, 38.0) },
  ];
}

export function Vitals({ chart }: { chart: PatientChart }) {
  const sets = chart.vitals ?? [];
  return (
    <div className="vitals">
      <VitalsForm patientId={chart.patient.id} />
      <section aria-labelledby="vitals-history-title">
        <h2 id="vitals-history-title">Vital signs and NEWS2</h2>
        {sets.length === 0 ? (
          <p className="muted">No vital signs recorded yet.</p>
        ) : (
          <div className="cumulative-wrap">
            <table className="cumulative" data-testid="vitals-table">
              <thead>
                <tr>
                  <th scope="col">Taken</th>
                  <th scope="col" className="num">RR</th>
                  <th scope="col" className="num">SpO₂</th>
                  <th scope="col">Air/O₂</th>
                  <th scope="col" className="num">BP</th>
                  <th scope="col" className="num">Pulse</th>
                  <th scope="col">ACVPU</th>
                  <th scope="col" className="num">Temp.</th>
                  <th scope="col">NEWS2</th>
                </tr>
              </thead>
              <tbody>
                {sets.map((s) => (
                  <tr key={s.setId} data-testid="vitals-row">
                    <th scope="row">
                      {signedWhen(s.takenAt)}
                      {s.pending && <span className="muted small"> (not yet sent)</span>}
                    </th>
                    <td className="num">{s.respiratoryRate}</td>
                    <td className="num">
                      {s.spo2} %{s.spo2Scale === 2 ? ' (scale 2)' : ''}
                    </td>
                    <td>{s.onOxygen ? `O₂ ${s.oxygenFlow ?? ''} L/min` : 'air'}</td>
                    <td className="num">
                      {s.systolic}
                      {s.diastolic !== null ? `/${s.diastolic}` : ''}
                    </td>
                    <td className="num">{s.pulse}</td>
                    <td>{s.consciousness}</td>
                    <td className="num">{s.temperature.toFixed(1)}</td>
                    <td>
                      <span className={`news2 band-${s.news2.band}`} data-testid="news2-score">
                        {s.news2.total} {BAND_WORDS[s.news2.band]}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {sets.length > 1 && (
        <section aria-labelledby="vitals-trends-title">
          <h2 id="vitals-trends-title">Trends</h2>
          <div className="trends">
            {trends(sets).map((t) => (
              <LabTrend key={t.title} title={t.title} unit={t.unit} points={t.points} />
            ))}
          </div>
        </section>
      )}
    </div>
  );
}
