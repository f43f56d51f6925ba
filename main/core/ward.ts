import type { CachedPatient, LookAlike, StationInput, StationOutput } from '../../contract/station-api';
import { matchesSearch } from '../../contract/search';
import { lookAlikes } from '../../contract/ward';
import { allPatients, patientFlags } from './cache';
import { patientCodeStatuses, patientVitals } from './clinical';
import type { Store } from './store';

/*
 * The ward list from the cache: one ward (the station's own unless another is picked), the
 * user's own patients, or the branch; a search looks across the branch. Each patient comes with
 * the look-alikes of their ward, whatever the list shows.
 */

const nameOf = (p: CachedPatient) => {
  const given = p.givenNames.filter((g) => g.trim() !== '').join(' ');
  return given ? `${p.familyName.toUpperCase()}, ${given}` : p.familyName.toUpperCase();
};

function lookAlikeMap(patients: readonly CachedPatient[]): Map<string, LookAlike[]> {
  const out = new Map<string, LookAlike[]>();
  for (const [id, list] of lookAlikes(patients)) {
    out.set(
      id,
      list.map(({ other, reasons }) => ({ patientId: other.id, name: nameOf(other), bed: other.bed, reasons })),
    );
  }
  return out;
}

export function myPatientIds(store: Store, userId: number): Set<string> {
  return new Set(store.prepare('SELECT patient_id FROM my_patients WHERE user_id = ?').pluck().all(userId) as string[]);
}

export function setMyPatient(store: Store, userId: number, patientId: string, mine: boolean): void {
  if (mine) store.prepare('INSERT INTO my_patients (user_id, patient_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(userId, patientId, Date.now());
  else store.prepare('DELETE FROM my_patients WHERE user_id = ? AND patient_id = ?').run(userId, patientId);
}

export function listWard(store: Store, user: { id: number; roles: readonly string[] }, input: StationInput<'listPatients'>, stationWardId: number | null, now = Date.now()): StationOutput<'listPatients'> {
  const userId = user.id;
  const everyone = allPatients(store);
  const mine = myPatientIds(store, userId);
  const q = input.q?.trim() ?? '';
  const scope = input.scope ?? 'all';
  const wardId = input.wardId ?? stationWardId;
  const shown = everyone
    .filter((p) => {
      if (q !== '') return matchesSearch(p, q);
      if (scope === 'mine') return mine.has(p.id);
      if (scope === 'ward') return wardId === null || p.wardId === wardId;
      return true;
    })
    .sort((a, b) => a.familyName.localeCompare(b.familyName))
    .slice(0, input.limit ?? 100);
  const alike = lookAlikeMap(everyone);
  const lookAlikeRecord: Record<string, LookAlike[]> = {};
  for (const p of shown) {
    const l = alike.get(p.id);
    if (l) lookAlikeRecord[p.id] = l;
  }
  const flags = patientFlags(store, userId, shown.map((p) => p.id), now, user.roles);
  for (const p of shown) {
    const latest = patientVitals(store, p.id)[0];
    if (latest && flags[p.id]) flags[p.id] = { ...flags[p.id]!, news2: { total: latest.news2.total, band: latest.news2.band, takenAt: latest.takenAt } };
    const code = patientCodeStatuses(store, p.id)[0];
    if (code && flags[p.id]) flags[p.id] = { ...flags[p.id]!, codeStatus: code.status };
  }
  return {
    patients: shown,
    flags,
    lookAlikes: lookAlikeRecord,
    mine: shown.filter((p) => mine.has(p.id)).map((p) => p.id),
  };
}

/** The look-alikes of one patient on their ward. */
export function lookAlikesOf(store: Store, patientId: string): LookAlike[] {
  return lookAlikeMap(allPatients(store)).get(patientId) ?? [];
}
