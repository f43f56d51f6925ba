/*
 * "My patients": the patients a clinician has picked for their shift at this station, per user.
 * Additive: one new table.
 */
export const name = '2026-12-02T1700-my-patients';

export const statements = [
  `CREATE TABLE my_patients (
    user_id INTEGER NOT NULL,
    patient_id TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, patient_id)
  )`,
];
