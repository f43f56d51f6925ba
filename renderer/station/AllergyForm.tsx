import { useState, type FormEvent } from 'react';
import { messageOf, station } from './api';
import { useStation } from './store';

/* Records an allergy, or "No known allergies", at the station: saved here, sent through the outbox. */
export function AllergyForm({ patientId }: { patientId: string }) {
  const bump = useStation((s) => s.bump);
  const [substance, setSubstance] = useState('');
  const [reaction, setReaction] = useState('');
  const [criticality, setCriticality] = useState<'' | 'low' | 'high'>('');
  const [error, setError] = useState<string | null>(null);
  const save = async (noneKnown: boolean) => {
    setError(null);
    try {
      await station.recordAllergy({
        patientId,
        substance: noneKnown ? '' : substance.trim(),
        noneKnown,
        reaction: noneKnown || reaction.trim() === '' ? null : reaction.trim(),
        criticality: noneKnown || criticality === '' ? null : criticality,
        category: null,
      });
      setSubstance('');
      setReaction('');
      setCriticality('');
      bump();
    } catch (e) {
      setError(messageOf(e).replace(/^invalid input: substance.*/, 'Name the substance.'));
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(false);
  };
  // Folded until wanted: the chart's side column keeps the notes on the first screen at 1366×768.
  return (
    <details className="allergy-entry">
      <summary>Record allergy</summary>
      <form className="allergy-form" onSubmit={submit} aria-label="Record an allergy" data-testid="allergy-form">
        <label>
          Substance
          <input value={substance} onChange={(e) => setSubstance(e.target.value)} required maxLength={200} />
        </label>
        <label>
          Reaction
          <input value={reaction} onChange={(e) => setReaction(e.target.value)} maxLength={200} />
        </label>
        <label>
          Risk
          <select value={criticality} onChange={(e) => setCriticality(e.target.value as '' | 'low' | 'high')}>
            <option value="">not assessed</option>
            <option value="low">low</option>
            <option value="high">high</option>
          </select>
        </label>
        <button type="submit">Add allergy</button>
        <button type="button" onClick={() => void save(true)}>
          No known allergies
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
