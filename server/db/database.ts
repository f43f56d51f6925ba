import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/*
 * Kysely's view of the server schema (migrations/server). Declared by hand so that a column the
 * code relies on is named in one place; the migration test checks the two agree.
 */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** pg returns numeric as string to keep precision; we write numbers or strings. */
type Numeric = ColumnType<string, number | string, number | string>;

export interface BranchesTable {
  id: Generated<number>;
  code: string;
  name: string;
  created_at: DefaultedTimestamp;
}

export interface WardsTable {
  id: Generated<number>;
  branch_id: number;
  code: string;
  name: string;
  beds: Generated<number>;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  password_hash: string;
  created_at: DefaultedTimestamp;
  disabled_at: Timestamp | null;
}

export interface UserBranchRolesTable {
  user_id: number;
  branch_id: number;
  role: 'physician' | 'nurse' | 'it_admin';
}

export interface StationsTable {
  id: Generated<string>;
  branch_id: number;
  ward_id: number;
  name: string;
  credential_hash: string;
  enrolled_at: DefaultedTimestamp;
  last_seen_at: Timestamp | null;
  app_version: string | null;
  revoked_at: Timestamp | null;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: string;
  user_id: number;
  branch_id: number;
  station_id: string | null;
  created_at: DefaultedTimestamp;
  last_seen_at: DefaultedTimestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface ApiClientsTable {
  id: Generated<number>;
  branch_id: number;
  name: string;
  token_hash: string;
  scopes: string[];
  created_at: DefaultedTimestamp;
  revoked_at: Timestamp | null;
  /** Patient identifier systems this partner matches patients on (besides the branch MRN). */
  identifier_systems: ColumnType<string[], string[] | undefined, string[]>;
}

export interface LoginAttemptsTable {
  id: Generated<string>;
  username: string;
  remote: string;
  success: boolean;
  at: DefaultedTimestamp;
  /** station:<id> or ip:<address> (migration 2026-12-02T1120); null on rows of earlier releases. */
  source: ColumnType<string | null, string | null | undefined, never>;
}

export interface PatientsTable {
  branch_id: number;
  id: Generated<string>;
  mrn: string;
  national_id: string | null;
  family_name: string;
  given_names: string[];
  birth_date: ColumnType<string | null, string | null, string | null>;
  sex: 'female' | 'male' | 'other' | 'unknown';
  ward_id: number | null;
  bed: string | null;
  admitted_at: Timestamp | null;
  deceased_at: Timestamp | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
}

export interface PatientMovementsTable {
  branch_id: number;
  id: Generated<string>;
  patient_id: string;
  ward_id: number;
  bed: string | null;
  from_at: Timestamp;
  to_at: Timestamp | null;
}

export interface ObservationsTable {
  branch_id: number;
  id: Generated<string>;
  patient_id: string | null;
  subject_mrn: string | null;
  loinc: string;
  display: string;
  value_num: Numeric | null;
  value_text: string | null;
  comparator: '<' | '<=' | '>=' | '>' | null;
  unit: string | null;
  ref_low: Numeric | null;
  ref_high: Numeric | null;
  interpretation: string | null;
  status: string;
  effective_at: Timestamp;
  issued_at: Timestamp | null;
  identifier_system: ColumnType<string | null, string | null | undefined, string | null>;
  identifier_value: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
  /** Category codes ('laboratory', 'vital-signs', …); migration 2026-12-02T1200-fhir-store. */
  category: ColumnType<string[], string[] | undefined, string[]>;
  /** The system of `loinc` (the primary code): LOINC unless the result carries no LOINC coding. */
  code_system: ColumnType<string, string | undefined, string>;
  /** Components of a panel (blood pressure): ObservationComponent[] (server/fhir/resources/observation-projection.ts). */
  components: ColumnType<unknown, string | null | undefined, string | null>;
  effective_end: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface MedicationRequestsTable {
  branch_id: number;
  id: Generated<string>;
  patient_id: string;
  rxnorm: string;
  display: string;
  dosage_text: string | null;
  status: string;
  intent: string;
  authored_at: Timestamp;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
  /** The system of `rxnorm` (the primary medication code); null for a medication known only by reference. */
  medication_system: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ServiceRequestsTable {
  branch_id: number;
  id: Generated<string>;
  patient_id: string;
  snomed: string;
  display: string;
  category: string;
  status: string;
  priority: Generated<string>;
  reason: string | null;
  authored_at: Timestamp;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
  intent: ColumnType<string, string | undefined, string>;
  /** The system of `snomed` (the primary code). */
  code_system: ColumnType<string, string | undefined, string>;
}

/** AllergyIntolerance projections (migration 2026-12-02T1200-fhir-store); on the feed as 'allergy_intolerance'. */
export interface AllergyIntolerancesTable {
  branch_id: number;
  id: Generated<string>;
  patient_id: string;
  code_system: string | null;
  code: string | null;
  display: string;
  clinical_status: 'active' | 'inactive' | 'resolved' | null;
  verification_status: 'unconfirmed' | 'confirmed' | 'refuted' | 'entered-in-error' | null;
  type: 'allergy' | 'intolerance' | null;
  categories: ColumnType<string[], string[] | undefined, string[]>;
  criticality: 'low' | 'high' | 'unable-to-assess' | null;
  /** AllergyReaction[] (server/fhir/resources/allergy-intolerance.ts). */
  reactions: ColumnType<unknown, string | undefined, string>;
  onset_at: Timestamp | null;
  recorded_at: DefaultedTimestamp;
  note: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
}

/** Every version of every resource accepted through FHIR, whole (as received plus id and meta). */
export interface FhirResourcesTable {
  branch_id: number;
  resource_type: string;
  id: string;
  version: number;
  last_updated: Timestamp;
  resource: ColumnType<unknown, string, never>;
}

/** Every identifier and code of the current version of a stored resource, for search. */
export interface FhirTokensTable {
  branch_id: number;
  resource_type: string;
  param: string;
  system: string;
  value: string;
  resource_id: string;
}

/** Server-wide FHIR settings (the paging-cursor secret); the app role may only read them. */
export interface FhirSettingsTable {
  key: string;
  value: string;
}

/** seq, at and the hashes are set by the database trigger; inserts leave them out. */
export interface AuditEventsTable {
  branch_id: number;
  seq: Generated<string>;
  at: Generated<Date>;
  actor_kind: 'user' | 'client' | 'station' | 'system' | 'admin';
  actor_id: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  patient_id: string | null;
  detail: ColumnType<unknown, string | undefined, never>;
  prev_hash: Generated<string>;
  hash: Generated<string>;
}

/* Releases (migration 2026-11-25T3000-releases): global tables, no patient data. */
export interface ReleasesTable {
  id: Generated<number>;
  channel: string;
  version: string;
  notes: Generated<string>;
  files: ColumnType<unknown, string, never>;
  release_date: DefaultedTimestamp;
  published_at: DefaultedTimestamp;
  published_by: string;
}

export interface ReleaseRingsTable {
  id: Generated<number>;
  channel: string;
  name: string;
  position: number;
  kind: 'stations' | 'wards' | 'percent' | 'everyone';
  scope_branch_id: number | null;
  station_ids: ColumnType<string[], string[] | undefined, never>;
  ward_ids: ColumnType<number[], number[] | undefined, never>;
  percent: number | null;
  created_at: DefaultedTimestamp;
}

export interface RolloutsTable {
  id: Generated<number>;
  channel: string;
  release_id: number;
  baseline_release_id: number | null;
  ring_position: number;
  state: 'active' | 'paused' | 'halted' | 'rolled_back' | 'superseded';
  max_error_ratio: ColumnType<string, number | string | undefined, number | string>;
  min_error_rate: ColumnType<string, number | string | undefined, number | string>;
  min_stations: ColumnType<number, number | undefined, number>;
  halt_reason: string | null;
  started_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  /** The branch the rollout reaches; null: group-wide (migration 2026-12-02T1100). */
  scope_branch_id: ColumnType<number | null, number | null | undefined, never>;
}

/** Roles above the branches, held explicitly (migration 2026-12-02T1100-release-scope). */
export interface GroupRolesTable {
  user_id: number;
  role: 'release_manager';
  granted_at: DefaultedTimestamp;
}

export interface RolloutEventsTable {
  id: Generated<string>;
  rollout_id: number;
  at: Generated<Date>;
  kind: string;
  detail: ColumnType<unknown, string | undefined, never>;
}

export interface StationHealthReportsTable {
  id: Generated<string>;
  station_id: string;
  version: string;
  reported_at: DefaultedTimestamp;
  uptime_seconds: number;
  sync_failures: number;
  crashes: number;
  errors: number;
}

/** Per branch under RLS: reached only through withBranch. */
export interface FeatureFlagsTable {
  branch_id: number;
  key: string;
  enabled: boolean;
  value: ColumnType<unknown, string | null, string | null>;
  updated_at: DefaultedTimestamp;
  updated_by: string;
}

/** Raw clinical note drafts, written by stations through sync (server/sync). Key (branch_id, id) is stable. */
export interface NoteDraftsTable {
  branch_id: number;
  id: string;
  patient_id: string;
  author_user_id: number;
  text: string;
  version: Generated<number>;
  status: ColumnType<'draft' | 'conflict' | 'submitted', 'draft' | 'conflict' | 'submitted' | undefined, 'draft' | 'conflict' | 'submitted'>;
  conflict_texts: ColumnType<unknown, string | null | undefined, string | null>;
  last_station_id: string | null;
  last_mutation_id: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  submitted_at: Timestamp | null;
}

export interface SyncMutationsTable {
  branch_id: number;
  id: string;
  station_id: string;
  user_id: number;
  kind: string;
  result: ColumnType<unknown, string, string>;
  applied_at: DefaultedTimestamp;
}

/** Appended only by the database's triggers (migrations/server/2026-11-25T1000-sync.ts). */
export interface ChangeFeedTable {
  branch_id: number;
  seq: ColumnType<string, never, never>;
  entity: string;
  entity_id: string;
  data: ColumnType<unknown, never, never>;
  at: ColumnType<Date, never, never>;
}

/** Summarization queue (migration 2026-11-25T4000-notes; server/notes/jobs). */
export interface SummarizationJobsTable {
  branch_id: number;
  id: Generated<string>;
  note_draft_id: string;
  note_version: number;
  status: ColumnType<'queued' | 'running' | 'done' | 'failed', 'queued' | 'running' | 'done' | 'failed' | undefined, 'queued' | 'running' | 'done' | 'failed'>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  run_after: DefaultedTimestamp;
  locked_until: Timestamp | null;
  locked_by: string | null;
  last_error_kind: string | null;
  last_error: string | null;
  created_at: DefaultedTimestamp;
  finished_at: Timestamp | null;
}

/** SOAP drafts under review; immutable once approved (server/notes/review). */
export interface SoapDraftsTable {
  branch_id: number;
  id: Generated<string>;
  job_id: string;
  note_draft_id: string;
  note_version: number;
  patient_id: string;
  sections: ColumnType<unknown, string, string>;
  provider: string;
  model: string;
  prompt_version: string;
  latency_ms: number;
  input_tokens: number | null;
  output_tokens: number | null;
  content_hash: string;
  status: ColumnType<'ready' | 'approved', 'ready' | 'approved' | undefined, 'ready' | 'approved'>;
  approved_by: number | null;
  approved_at: Timestamp | null;
  approved_hash: string | null;
  approved_text: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface SoapStatementEditsTable {
  branch_id: number;
  id: ColumnType<string, never, never>;
  soap_draft_id: string;
  section: string;
  statement_index: number;
  action: 'edit' | 'accept' | 'remove';
  before_text: string;
  after_text: string | null;
  user_id: number;
  at: DefaultedTimestamp;
}

export interface NoteAddendaTable {
  branch_id: number;
  id: Generated<string>;
  soap_draft_id: string;
  patient_id: string;
  text: string;
  author_user_id: number;
  created_at: DefaultedTimestamp;
}

export interface Database {
  branches: BranchesTable;
  wards: WardsTable;
  users: UsersTable;
  user_branch_roles: UserBranchRolesTable;
  stations: StationsTable;
  sessions: SessionsTable;
  api_clients: ApiClientsTable;
  login_attempts: LoginAttemptsTable;
  patients: PatientsTable;
  patient_movements: PatientMovementsTable;
  observations: ObservationsTable;
  medication_requests: MedicationRequestsTable;
  service_requests: ServiceRequestsTable;
  allergy_intolerances: AllergyIntolerancesTable;
  fhir_resources: FhirResourcesTable;
  fhir_tokens: FhirTokensTable;
  audit_events: AuditEventsTable;
  fhir_settings: FhirSettingsTable;
  releases: ReleasesTable;
  release_rings: ReleaseRingsTable;
  rollouts: RolloutsTable;
  rollout_events: RolloutEventsTable;
  group_roles: GroupRolesTable;
  station_health_reports: StationHealthReportsTable;
  feature_flags: FeatureFlagsTable;
  note_drafts: NoteDraftsTable;
  sync_mutations: SyncMutationsTable;
  change_feed: ChangeFeedTable;
  summarization_jobs: SummarizationJobsTable;
  soap_drafts: SoapDraftsTable;
  soap_statement_edits: SoapStatementEditsTable;
  note_addenda: NoteAddendaTable;
}

export type PatientRow = Selectable<PatientsTable>;
export type NewPatientRow = Insertable<PatientsTable>;
