import { useEffect } from 'react';
import { byBed, displayName } from './names';
import { useStation } from './store';


export function Ward() {
  const patients = useStation((s) => s.patients);
  const flags = useStation((s) => s.flags);
  const query = useStation((s) => s.query);
  const search = useStation((s) => s.search);
  const go = useStation((s) => s.go);
  const cursor = useStation((s) => s.status?.sync.cursor);
  // New data from the server (first sync after sign-in, live changes): refresh the list.
  useEffect(() => {
    void search(useStation.getState().query);
  }, [cursor, search]);
  return (
    <section aria-labelledby="ward-title">
      <div className="row">
        <h1 id="ward-title">Ward list</h1>
        <label className="search">
          Search patients
          <input type="search" autoFocus placeholder="Family name or MRN" value={query} onChange={(e) => void search(e.target.value)} />
        </label>
      </div>
      <table className="ward" aria-describedby="ward-count">
        <caption id="ward-count" className="muted">
          {patients.length} patients
        </caption>
        <thead>
          <tr>
            <th scope="col">Bed</th>
            <th scope="col">Patient</th>
            <th scope="col">Born</th>
            <th scope="col">MRN</th>
            <th scope="col">Flags</th>
          </tr>
        </thead>
        <tbody>
          {[...patients].sort(byBed).map((p) => {
            const f = flags[p.id];
            return (
              <tr key={p.id} data-testid="ward-row">
                <td>{p.bed ?? '—'}</td>
                <td>
                  <button type="button" className="link" onClick={() => go({ name: 'patient', patientId: p.id, tab: 'chart' })}>
                    {displayName(p)}
                  </button>
                </td>
                <td>{p.birthDate ?? '—'}</td>
                <td>{p.mrn}</td>
                <td>
                  {f && f.newResults > 0 && <span className="flag results">{f.newResults} new results</span>}
                  {f && f.awaitingReview > 0 && <span className="flag review">{f.awaitingReview} awaiting review</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
