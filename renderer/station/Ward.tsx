import { useEffect } from 'react';
import { NEWS2_RESPONSE } from '../../contract/clinical/news2';
import { ageSex } from '../../contract/ward';
import { BAND_WORDS } from './Vitals';
import { byBed, displayName } from './names';
import { useStation, type ListScope } from './store';
import { admissionDay, lookAlikeText } from './ward-format';

/*
 * The ward list: the station's own ward by bed unless the user picks another ward, their own
 * patients or every ward. A search looks across the branch. A look-alike (same or similar family
 * name, or same birth date, on one ward) is flagged on the row, in words and colour.
 */
export function Ward() {
  const patients = useStation((s) => s.patients);
  const flags = useStation((s) => s.flags);
  const lookAlikes = useStation((s) => s.lookAlikes);
  const mine = useStation((s) => s.mine);
  const query = useStation((s) => s.query);
  const scope = useStation((s) => s.scope);
  const wardId = useStation((s) => s.wardId);
  const search = useStation((s) => s.search);
  const showList = useStation((s) => s.showList);
  const toggleMine = useStation((s) => s.toggleMine);
  const go = useStation((s) => s.go);
  const cursor = useStation((s) => s.status?.sync.cursor);
  const info = useStation((s) => s.status?.station ?? null);
  // New data from the server (first sync after sign-in, live changes): refresh the list.
  useEffect(() => {
    void search(useStation.getState().query);
  }, [cursor, search]);
  const now = new Date();
  const shownWardId = wardId ?? info?.ward.id ?? null;
  const wardName = (id: number | null) => info?.wards.find((w) => w.id === id)?.name ?? null;
  const searching = query.trim() !== '';
  const manyWards = searching || scope !== 'ward';
  const title = searching ? 'Search results' : scope === 'mine' ? 'My patients' : scope === 'all' ? 'All wards' : (wardName(shownWardId) ?? 'Ward list');
  const pick = (value: string) => void (value === 'mine' || value === 'all' ? showList(value as ListScope) : showList('ward', Number(value)));
  return (
    <section aria-labelledby="ward-title">
      <div className="row">
        <h1 id="ward-title">{title}</h1>
        <label className="search">
          Show
          <select value={scope === 'ward' ? String(shownWardId ?? '') : scope} onChange={(e) => pick(e.target.value)} data-testid="ward-switcher">
            {info?.wards.map((w) => (
              <option key={w.id} value={String(w.id)}>
                {w.name}
                {w.id === info.ward.id ? ' (this station)' : ''}
              </option>
            ))}
            {!info && <option value="">This station's ward</option>}
            <option value="mine">My patients</option>
            <option value="all">All wards</option>
          </select>
        </label>
        <label className="search">
          Search patients
          <input type="search" autoFocus placeholder="Name, given name or MRN" value={query} onChange={(e) => void search(e.target.value)} />
        </label>
      </div>
      <table className="ward" aria-describedby="ward-count">
        <caption id="ward-count" className="muted">
          {patients.length} patients{searching ? ' in the branch match the search' : ''}
          {scope === 'mine' && patients.length === 0 && !searching ? ' — pick your patients with the ☆ on a ward list.' : ''}
        </caption>
        <thead>
          <tr>
            {manyWards && <th scope="col">Ward</th>}
            <th scope="col">Bed</th>
            <th scope="col">Patient</th>
            <th scope="col">Age, sex</th>
            <th scope="col">MRN</th>
            <th scope="col">Flags</th>
            <th scope="col">Admitted</th>
            <th scope="col">
              <span className="sr-only">My patient</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {[...patients].sort(byBed).map((p) => {
            const f = flags[p.id];
            const alike = lookAlikes[p.id];
            const isMine = mine.includes(p.id);
            return (
              <tr key={p.id} data-testid="ward-row" className={alike ? 'lookalike-row' : undefined}>
                {manyWards && <td>{wardName(p.wardId) ?? '—'}</td>}
                <td className="bed">{p.bed ?? '—'}</td>
                <td>
                  <button type="button" className="link" onClick={() => go({ name: 'patient', patientId: p.id, tab: 'chart' })}>
                    {displayName(p)}
                  </button>
                  {alike && (
                    <span className="flag lookalike" data-testid="lookalike" title={lookAlikeText(alike)}>
                      Look-alike: {lookAlikeText(alike)}
                    </span>
                  )}
                </td>
                <td title={p.birthDate ? `born ${p.birthDate}` : 'birth date unknown'}>{ageSex(p, now)}</td>
                <td>{p.mrn}</td>
                <td>
                  {f?.news2 && f.news2.band !== 'low' && (
                    <span className={`flag news2 band-${f.news2.band}`} data-testid="news2-flag" title={NEWS2_RESPONSE[f.news2.band]}>
                      NEWS2 {f.news2.total} {BAND_WORDS[f.news2.band]}
                    </span>
                  )}
                  {f?.codeStatus === 'dnacpr' && (
                    <span className="flag code-status cs-dnacpr" data-testid="code-status-flag">
                      DNACPR
                    </span>
                  )}
                  {f?.codeStatus === 'limitations' && (
                    <span className="flag code-status cs-limits" data-testid="code-status-flag">
                      Treatment limits
                    </span>
                  )}
                  {f && f.newResults > 0 && <span className="flag results">{f.newResults} new results</span>}
                  {f && f.awaitingReview > 0 && <span className="flag review">{f.awaitingReview} awaiting review</span>}
                </td>
                <td>{admissionDay(p.admittedAt, now)}</td>
                <td>
                  <button
                    type="button"
                    className="star"
                    aria-pressed={isMine}
                    aria-label={`${isMine ? 'Remove from' : 'Add to'} my patients: ${displayName(p)}`}
                    onClick={() => void toggleMine(p.id, !isMine)}
                  >
                    {isMine ? '★' : '☆'}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
