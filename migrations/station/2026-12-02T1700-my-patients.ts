/*
 * "My patients": the patients a clinician has picked for their shift at this station, per user;
 * and the allergies and vital signs recorded here, kept so that they show at once (offline too)
 * while their outbox mutation waits for the server. Additive: two new tables.
 */
export const name = '2026-12-02T1700-my-patients';

export const statements = [
  `CREATE TABLE my_patients (
    user_id INTEGER NOT NULL,
    patient_id TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, patient_id)
  )`,
  `CREATE TABLE clinical_entries (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    patient_id TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`,
  `CREATE INDEX clinical_entries_patient ON clinical_entries (patient_id, kind)`,
];
