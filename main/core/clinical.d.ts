import type { AllergyView } from '../../contract/allergy';
import { type AllergyInput } from '../../contract/allergy';
import type { VitalsSet } from '../../contract/station-api';
import { type VitalsInput } from '../../contract/vitals';
import { type CodeStatusInput, type CodeStatusView } from '../../contract/code-status';
import type { z } from 'zod';
import type { Store } from './store';
export declare function recordAllergy(db: Store, userId: number, input: z.infer<typeof AllergyInput>): AllergyView;
export declare function recordVitals(db: Store, userId: number, input: z.infer<typeof VitalsInput>): VitalsSet;
/** The patient's allergies: the server's (active, not refuted) and this station's unsent ones. Undefined when none is recorded. */
export declare function patientAllergies(db: Store, patientId: string): AllergyView[] | undefined;
/** Vital-sign sets, newest first: the feed's Observations grouped by time, and this station's unsent sets. */
export declare function patientVitals(db: Store, patientId: string): VitalsSet[];
/** A code status recorded here by a physician (the caller checks the role; the server checks again). */
export declare function recordCodeStatus(db: Store, user: {
    id: number;
    displayName: string;
}, input: z.infer<typeof CodeStatusInput>, now?: number): CodeStatusView;
/** Every code status of the patient, newest first (the first is the current one): the server's and this station's unsent ones. */
export declare function patientCodeStatuses(db: Store, patientId: string): CodeStatusView[];
