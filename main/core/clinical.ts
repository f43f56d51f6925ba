import { randomUUID } from 'node:crypto';
import type { AllergyView } from '../../contract/allergy';
import { AllergyEntry, type AllergyInput } from '../../contract/allergy';
import { news2, type News2Result } from '../../contract/clinical/news2';
import { VITAL_SIGNS } from '../../contract/clinical/vital-signs';
import type { VitalsSet } from '../../contract/station-api';
import { INHALED_OXYGEN_FLOW, LEVEL_OF_RESPONSIVENESS, SPO2_SCALE_CODE, VitalsEntry, type VitalsInput } from '../../contract/vitals';
import { CodeStatusEntry, type CodeStatusInput, type CodeStatusView } from '../../contract/code-status';
import type { z } from 'zod';
import { enqueue } from './outbox';
import type { Store } from './store';

/*
 * Allergies and vital signs recorded at this station: kept locally and queued in the outbox in
 * one transaction (nothing waits on the network), shown from the local copy while the mutation
 * waits, then from the server's rows as the feed brings them (from any station of the branch).
 */

export function recordAllergy(db: Store, userId: number, input: z.infer<typeof AllergyInput>): AllergyView {
  const entry = AllergyEntry.parse({ ...input, allergyId: randomUUID() });
  const now = Date.now();
  db.transaction(() => {
    const id = enqueue(db, userId, null, { kind: 'allergy.record', payload: entry }, now);
    db.prepare('INSERT INTO clinical_entries (id, kind, user_id, patient_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, 'allergy', userId, entry.patientId, JSON.stringify(entry), now);
  })();
  return localAllergy(entry, now);
}

export function recordVitals(db: Store, userId: number, input: z.infer<typeof VitalsInput>): VitalsSet {
  const entry = VitalsEntry.parse({ ...input, setId: randomUUID() });
  const now = Date.now();
  db.transaction(() => {
    const id = enqueue(db, userId, null, { kind: 'vitals.record', payload: entry }, now);
    db.prepare('INSERT INTO clinical_entries (id, kind, user_id, patient_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, 'vitals', userId, entry.patientId, JSON.stringify(entry), now);
  })();
  return toSet(entry, true);
}

const localAllergy = (e: AllergyEntry, at: number): AllergyView => ({
  id: e.allergyId,
  substance: e.noneKnown ? 'No known allergies' : e.substance,
  noneKnown: e.noneKnown,
  reaction: e.reaction,
  criticality: e.criticality,
  recordedAt: new Date(at).toISOString(),
});

/** Local entries whose mutation still waits in the outbox (once applied, the feed's rows show them). */
function pendingEntries(db: Store, patientId: string, kind: string): { data: string; created_at: number }[] {
  return db
    .prepare("SELECT e.data, e.created_at FROM clinical_entries e JOIN outbox o ON o.id = e.id AND o.state = 'pending' WHERE e.patient_id = ? AND e.kind = ? ORDER BY e.created_at")
    .all(patientId, kind) as { data: string; created_at: number }[];
}

type Row = Record<string, unknown>;
const cached = (db: Store, patientId: string, entity: string): Row[] =>
  (db.prepare('SELECT data FROM cache WHERE patient_id = ? AND entity = ?').pluck().all(patientId, entity) as string[]).map((d) => JSON.parse(d) as Row);

/** The patient's allergies: the server's (active, not refuted) and this station's unsent ones. Undefined when none is recorded. */
export function patientAllergies(db: Store, patientId: string): AllergyView[] | undefined {
  const server = cached(db, patientId, 'allergy_intolerance')
    .filter((a) => a.clinical_status !== 'inactive' && a.clinical_status !== 'resolved' && a.verification_status !== 'refuted' && a.verification_status !== 'entered-in-error')
    .map((a): AllergyView => {
      const reactions = (Array.isArray(a.reactions) ? a.reactions : []) as { manifestations?: string[] }[];
      const reaction = reactions.flatMap((r) => r.manifestations ?? []).join(', ');
      return {
        id: String(a.id),
        substance: String(a.display),
        noneKnown: a.code === '716186003',
        reaction: reaction || null,
        criticality: (a.criticality as AllergyView['criticality']) ?? null,
        recordedAt: new Date(String(a.recorded_at ?? a.created_at)).toISOString(),
      };
    });
  const local = pendingEntries(db, patientId, 'allergy').map((r) => localAllergy(JSON.parse(r.data) as AllergyEntry, r.created_at));
  const all = [...server, ...local];
  return all.length === 0 ? undefined : all;
}

function toSet(e: VitalsEntry, pending: boolean): VitalsSet {
  const score: News2Result = news2({ ...e, systolicBp: e.systolic });
  return { ...e, pending, news2: { total: score.total, band: score.band, parts: score.parts } };
}

const isVital = (o: Row) => Array.isArray(o.category) && (o.category as unknown[]).includes('vital-signs');

/** Vital-sign sets, newest first: the feed's Observations grouped by time, and this station's unsent sets. */
export function patientVitals(db: Store, patientId: string): VitalsSet[] {
  const byTime = new Map<string, Row[]>();
  for (const o of cached(db, patientId, 'observation').filter(isVital)) {
    const at = new Date(String(o.effective_at)).toISOString();
    byTime.set(at, [...(byTime.get(at) ?? []), o]);
  }
  const sets: VitalsSet[] = [];
  for (const [at, rows] of byTime) {
    const get = (code: string) => rows.find((r) => r.loinc === code);
    const n = (r: Row | undefined) => (r && r.value_num !== null && r.value_num !== undefined ? Number(r.value_num) : null);
    const comp = (r: Row | undefined, code: string) => {
      const c = (Array.isArray(r?.components) ? (r.components as Row[]) : []).find((x) => x.code === code);
      return c && c.value_num !== null && c.value_num !== undefined ? Number(c.value_num) : null;
    };
    const spo2Row = get(VITAL_SIGNS.oxygenSaturation.code);
    const bp = get(VITAL_SIGNS.bloodPressure.code);
    const acvpu = String(get(LEVEL_OF_RESPONSIVENESS.code)?.value_text ?? '').charAt(0);
    const flow = n(get(INHALED_OXYGEN_FLOW.code));
    const parsed = VitalsEntry.safeParse({
      setId: String(rows[0]!.id),
      patientId,
      takenAt: at,
      respiratoryRate: n(get(VITAL_SIGNS.respiratoryRate.code)),
      spo2: n(spo2Row),
      spo2Scale: comp(spo2Row, SPO2_SCALE_CODE) ?? 1,
      onOxygen: (flow ?? 0) > 0,
      oxygenFlow: flow && flow > 0 ? flow : null,
      systolic: comp(bp, VITAL_SIGNS.systolic.code),
      diastolic: comp(bp, VITAL_SIGNS.diastolic.code),
      pulse: n(get(VITAL_SIGNS.heartRate.code)),
      consciousness: acvpu,
      temperature: n(get(VITAL_SIGNS.bodyTemperature.code)),
    });
    // A set from elsewhere missing a NEWS2 parameter is not scored (and not shown as a score).
    if (parsed.success) sets.push(toSet(parsed.data, false));
  }
  const local = pendingEntries(db, patientId, 'vitals').map((r) => toSet(JSON.parse(r.data) as VitalsEntry, true));
  const seen = new Set(sets.map((s) => s.takenAt));
  return [...sets, ...local.filter((l) => !seen.has(new Date(l.takenAt).toISOString()))].sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt));
}

/** A code status recorded here by a physician (the caller checks the role; the server checks again). */
export function recordCodeStatus(db: Store, user: { id: number; displayName: string }, input: z.infer<typeof CodeStatusInput>, now = Date.now()): CodeStatusView {
  const entry = CodeStatusEntry.parse({ ...input, limitations: input.status === 'limitations' ? input.limitations : null, codeStatusId: randomUUID(), recordedAt: new Date(now).toISOString() });
  const local = { ...entry, recordedByName: user.displayName };
  db.transaction(() => {
    const id = enqueue(db, user.id, null, { kind: 'code_status.record', payload: entry }, now);
    db.prepare('INSERT INTO clinical_entries (id, kind, user_id, patient_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, 'code_status', user.id, entry.patientId, JSON.stringify(local), now);
  })();
  return localCodeStatus(local);
}

const localCodeStatus = (e: CodeStatusEntry & { recordedByName: string }): CodeStatusView => ({
  id: e.codeStatusId,
  status: e.status,
  limitations: e.limitations,
  recordedByName: e.recordedByName,
  recordedByRole: 'physician',
  recordedAt: e.recordedAt,
  pending: true,
});

/** Every code status of the patient, newest first (the first is the current one): the server's and this station's unsent ones. */
export function patientCodeStatuses(db: Store, patientId: string): CodeStatusView[] {
  const server = cached(db, patientId, 'code_status').map(
    (r): CodeStatusView => ({
      id: String(r.id),
      status: r.status as CodeStatusView['status'],
      limitations: (r.limitations as string | null) ?? null,
      recordedByName: String(r.recorded_by_name),
      recordedByRole: String(r.recorded_by_role),
      recordedAt: new Date(String(r.recorded_at)).toISOString(),
      pending: false,
    }),
  );
  const seen = new Set(server.map((s) => s.id));
  const local = pendingEntries(db, patientId, 'code_status')
    .map((r) => localCodeStatus(JSON.parse(r.data) as CodeStatusEntry & { recordedByName: string }))
    .filter((l) => !seen.has(l.id));
  return [...server, ...local].sort((a, b) => Date.parse(b.recordedAt) - Date.parse(a.recordedAt));
}
