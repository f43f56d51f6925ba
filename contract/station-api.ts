import { z } from 'zod';
import { BranchCode, SessionUser } from './auth';
import { AddendumInput, AddOmissionInput, ApproveInput, EditStatementInput, NoteAudit, NoteRef, NoteReview, OmissionRef, SoapDraftView, StatementRef } from './notes';
import { FeatureFlag } from './flags';
import { ConflictText, DraftStatus } from './sync';
import { StationInfo, WardInfo } from './ward';
import { AllergyInput, AllergyView } from './allergy';
import { VitalsFields, VitalsInput } from './vitals';
import { CodeStatusCode, CodeStatusInput, CodeStatusView } from './code-status';

/*
 * The station API: every call the renderer makes, declared once. The Electron preload, the IPC
 * handlers, main/host's loopback HTTP routes and the renderer's client all derive from
 * `stationApi`; each call validates its input with these schemas. A new call is one new entry.
 */

const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });
const Uuid = z.string().uuid();

export const SyncState = z.enum(['online', 'offline', 'degraded']);
export type SyncState = z.infer<typeof SyncState>;
export const SyncStatus = z.object({
  state: SyncState,
  /** Progress for the UI: what is still to push. */
  pendingItems: z.number().int(),
  pendingBytes: z.number().int(),
  rejectedItems: z.number().int(),
  cursor: z.string(),
  lastSyncAt: z.string().nullable(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

/** The station's update service (main/core/update): what runs, what the feed offers, what is downloaded. */
export const UpdateState = z.enum(['idle', 'checking', 'downloading', 'ready', 'installing', 'error']);
export const UpdateStatus = z.object({
  currentVersion: z.string(),
  /** What the feed offers this station, when it differs from the running version. */
  offeredVersion: z.string().nullable(),
  /** Downloaded and verified (signature and sha512), waiting to be installed. */
  downloadedVersion: z.string().nullable(),
  state: UpdateState,
  /** With a downloaded version: what the install waits for (the station to be locked or idle; in main/host, an installer). */
  waitingFor: z.enum(['lock', 'installer']).nullable().optional(),
  lastCheckedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type UpdateStatus = z.infer<typeof UpdateStatus>;

/** The branch's feature flags as the station last received them with sync (cached for offline use). */
export const StationFlags = z.object({
  flags: z.record(z.string(), z.object({ enabled: z.boolean(), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) })),
  receivedAt: z.string().nullable(),
});
export type StationFlags = z.infer<typeof StationFlags>;

export const StationStatus = z.object({
  enrolled: z.boolean(),
  user: SessionUser.nullable(),
  locked: z.boolean(),
  /** How the current user got in: through the server, or with the local verifier. */
  mode: z.enum(['online', 'offline']).nullable(),
  /** Why the user is signed in offline although the server answered (e.g. it throttles sign-ins). */
  offlineReason: z.enum(['server_throttled']).optional(),
  sync: SyncStatus,
  /** IT's idle time before the screen locks itself (seconds). */
  idleLockSeconds: z.number().int().positive().optional(),
  /** The enrolled station's branch and ward, once the server has told it (kept for offline starts). */
  station: StationInfo.nullable().optional(),
  /** While locked: whose session it is (the lock screen names them; nothing of their patients). */
  lockedUser: z.object({ displayName: z.string(), username: z.string() }).nullable().optional(),
  /** The update line and the flags ride on the status the renderer already follows. */
  update: UpdateStatus.optional(),
  flags: StationFlags.shape.flags.optional(),
});
export type StationStatus = z.infer<typeof StationStatus>;

export const EnrolInput = z.object({ serverUrl: z.string().url(), credential: z.string().min(10).max(200) });
/** `branch` may be left out at an enrolled station that knows its branch. */
export const SignInInput = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024), branch: BranchCode.optional() });
export const UnlockInput = z.object({ password: z.string().min(1).max(1024) });

export const CachedPatient = z.object({
  id: Uuid,
  mrn: z.string(),
  nationalId: z.string().nullable(),
  familyName: z.string(),
  givenNames: z.array(z.string()),
  birthDate: z.string().nullable(),
  sex: z.string(),
  bed: z.string().nullable(),
  wardId: z.number().int().nullable(),
  /** Start of the current admission. */
  admittedAt: z.string().nullable().optional(),
});
export type CachedPatient = z.infer<typeof CachedPatient>;
/**
 * A ward list or a search. `scope`: 'ward' (default) lists one ward (`wardId`, default the
 * station's own), 'mine' the user's picked patients, 'all' the branch. A search `q` (folded as
 * the server folds it; family and given names, MRN prefix, national id) looks across the branch.
 */
export const PatientSearch = z.object({
  q: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(500).optional(),
  scope: z.enum(['ward', 'mine', 'all']).optional(),
  wardId: z.number().int().optional(),
});
/** Another patient of the same ward a clinician could confuse with this one, and why. */
export const LookAlike = z.object({ patientId: Uuid, name: z.string(), bed: z.string().nullable(), reasons: z.array(z.enum(['same-name', 'similar-name', 'same-birth-date'])) });
export type LookAlike = z.infer<typeof LookAlike>;
/** A set of vital signs with its NEWS2 score; `pending` while it waits in this station's outbox. */
export const VitalsSet = VitalsFields.and(
  z.object({
    pending: z.boolean(),
    news2: z.object({ total: z.number().int(), band: z.enum(['low', 'low-medium', 'medium', 'high']), parts: z.record(z.string(), z.number().int()) }),
  }),
);
export type VitalsSet = z.infer<typeof VitalsSet>;
/** Ward-list flags per patient: lab results of the last 48 hours, the notes awaiting review the user can act on, the latest NEWS2. */
export const WardBadges = z.object({
  newResults: z.number().int(),
  awaitingReview: z.number().int(),
  news2: z.object({ total: z.number().int(), band: z.enum(['low', 'low-medium', 'medium', 'high']), takenAt: z.string() }).optional(),
  /** The current code status, when one is recorded. */
  codeStatus: CodeStatusCode.optional(),
});
export type WardBadges = z.infer<typeof WardBadges>;
export const CachedPatientList = z.object({
  patients: z.array(CachedPatient),
  flags: z.record(z.string(), WardBadges).optional(),
  lookAlikes: z.record(z.string(), z.array(LookAlike)).optional(),
  /** Ids of the listed patients that are the user's ("my patients"). */
  mine: z.array(Uuid).optional(),
});

/** A physician-approved note as the station caches it (readable offline), with its addenda. */
export const SignedNote = z.object({
  noteId: Uuid,
  approvedAt: z.string(),
  approvedBy: z.number().int(),
  /** The approver's name when they have signed in at this station (the feed carries only the id). */
  approvedByName: z.string().nullable().optional(),
  /** The approver's roles at this branch, when known here ("physician", "nurse"). */
  approvedByRoles: z.array(z.string()).optional(),
  text: z.string(),
  addenda: z.array(z.object({ text: z.string(), authorUserId: z.number().int(), createdAt: z.string() })),
});
export type SignedNote = z.infer<typeof SignedNote>;

/**
 * One note in a patient's note history. `draft`: the author's own, not yet submitted (only its
 * author sees it); `waiting`: submitted, waiting for its SOAP draft or its review; `signed`.
 */
export const NoteHistoryEntry = z.object({
  noteId: Uuid,
  state: z.enum(['draft', 'conflict', 'waiting', 'signed']),
  kind: z.enum(['progress', 'nursing']),
  /** Null for a signed note whose raw note this station never held. */
  authorUserId: z.number().int().nullable(),
  authorName: z.string().nullable(),
  authorRole: z.string().nullable(),
  /** Last change (draft, waiting) or signing time (signed). */
  at: z.string(),
  /** The first words of the note, to tell notes apart. */
  preview: z.string(),
  signedByName: z.string().nullable().optional(),
  signedByRole: z.string().nullable().optional(),
  /** Changes of this station not yet sent. */
  pending: z.boolean(),
});
export type NoteHistoryEntry = z.infer<typeof NoteHistoryEntry>;

/** Lab results, medications and referrals are cached as the server stores them (snake_case rows). */
const Row = z.record(z.string(), z.unknown());
export const PatientChart = z.object({
  patient: CachedPatient,
  observations: z.array(Row),
  medications: z.array(Row),
  referrals: z.array(Row),
  /** Newest first; absent from a station core older than this field. */
  signedNotes: z.array(SignedNote).optional(),
  ward: WardInfo.nullable().optional(),
  lookAlikes: z.array(LookAlike).optional(),
  mine: z.boolean().optional(),
  /** Absent or empty: "Allergies not recorded". */
  allergies: z.array(AllergyView).optional(),
  /** Vital-sign sets, newest first. */
  vitals: z.array(VitalsSet).optional(),
  /** Code statuses, newest (current) first; absent or empty: "not recorded". */
  codeStatuses: z.array(CodeStatusView).optional(),
  /** The patient's notes this user may see: own drafts, notes waiting for review, signed notes; newest first. */
  notes: z.array(NoteHistoryEntry).optional(),
});
export type PatientChart = z.infer<typeof PatientChart>;

export const NoteDraftView = z.object({
  id: Uuid,
  patientId: Uuid,
  text: z.string(),
  status: DraftStatus,
  conflictTexts: z.array(ConflictText).nullable(),
  serverVersion: z.number().int(),
  /** Local changes not yet acknowledged by the server. */
  pending: z.number().int(),
  updatedAt: z.string(),
  /** On a save: what the station changed in the text to store it (contract/text.ts), to be shown. */
  cleaned: z.object({ replaced: z.number().int(), bidiRemoved: z.number().int() }).optional(),
});
export type NoteDraftView = z.infer<typeof NoteDraftView>;

export const SaveDraftInput = z.object({ draftId: Uuid.optional(), patientId: Uuid, text: z.string().max(1_000_000) });
export type SaveDraftInput = z.infer<typeof SaveDraftInput>;
export const DraftQuery = z.object({ patientId: Uuid.optional() });
export const DraftList = z.object({ drafts: z.array(NoteDraftView) });
export const DraftRef = z.object({ draftId: Uuid });
export const ResolveConflictInput = z.object({ draftId: Uuid, text: z.string().max(1_000_000) });

export const RejectedItem = z.object({ mutationId: z.string(), kind: z.string(), draftId: z.string().nullable(), reason: z.string(), createdAt: z.string() });
export const RejectedList = z.object({ items: z.array(RejectedItem) });
export const MutationRef = z.object({ mutationId: z.string() });

/** What waits in the outbox for the signed-in user: one row per unsent change. */
export const OutboxEntry = z.object({ mutationId: z.string(), kind: z.string(), draftId: z.string().nullable(), patientId: z.string().nullable(), bytes: z.number().int(), attempts: z.number().int(), createdAt: z.string() });
export const OutboxList = z.object({ items: z.array(OutboxEntry) });

/** A dictation recorded at the station (base64 audio), stored locally; transcription happens server-side later. */
export const DICTATION_MAX_BASE64 = 12_000_000;
export const SaveDictationInput = z.object({
  patientId: Uuid,
  draftId: Uuid.optional(),
  mime: z.string().regex(/^audio\/[a-z0-9.+-]+(;[ a-z0-9=.+-]+)?$/i).max(100),
  durationMs: z.number().int().min(0).max(3_600_000),
  audioBase64: z.string().min(1).max(DICTATION_MAX_BASE64).regex(/^[A-Za-z0-9+/]+={0,2}$/),
});
export const DictationView = z.object({
  id: Uuid,
  patientId: Uuid,
  draftId: Uuid.nullable(),
  mime: z.string(),
  durationMs: z.number().int(),
  /** Audio bytes still on this station (0 once the server has transcribed the recording). */
  bytes: z.number().int(),
  createdAt: z.string(),
  /** When the server took the recording and appended its transcript to the note; null while it waits here. */
  sentAt: z.string().nullable().optional(),
});
export const DictationQuery = z.object({ patientId: Uuid });
export const DictationList = z.object({ dictations: z.array(DictationView) });
export const NoteAddendumCreated = z.object({ id: Uuid, createdAt: z.string() });
export const DictateInput = z.object({ draftId: Uuid, mime: z.string().min(1).max(100), audioBase64: z.string().min(1).max(36 * 1024 * 1024) });
export const DictationStatus = z.object({
  /** Recordings still on this station (not yet transcribed by the server). */
  pending: z.number().int(),
  sent: z.number().int(),
  /** Why the last attempt stopped, when recordings remain (offline, no STT provider, conflict). */
  lastError: z.string().nullable(),
});

export const stationApi = {
  status: { input: Empty, output: StationStatus },
  enrol: { input: EnrolInput, output: Ok },
  signIn: { input: SignInInput, output: StationStatus },
  unlock: { input: UnlockInput, output: StationStatus },
  lock: { input: Empty, output: StationStatus },
  signOut: { input: Empty, output: StationStatus },
  listPatients: { input: PatientSearch, output: CachedPatientList },
  getPatientChart: { input: z.object({ patientId: Uuid }), output: PatientChart },
  setMyPatient: { input: z.object({ patientId: Uuid, mine: z.boolean() }), output: Ok },
  /** Physicians and nurses; saved here and sent through the outbox (offline too). */
  recordAllergy: { input: AllergyInput, output: AllergyView },
  recordVitals: { input: VitalsInput, output: VitalsSet },
  /** Physicians only; saved here and sent through the outbox (offline too). */
  recordCodeStatus: { input: CodeStatusInput, output: CodeStatusView },
  listDrafts: { input: DraftQuery, output: DraftList },
  getDraft: { input: DraftRef, output: NoteDraftView },
  // `cleaned`: clinical text the station core makes storable (contract/text.ts cleanClinicalText)
  // instead of refusing; every other string with a NUL or half a character is refused.
  saveDraft: { input: SaveDraftInput, output: NoteDraftView, cleaned: ['text'] },
  resolveConflict: { input: ResolveConflictInput, output: NoteDraftView, cleaned: ['text'] },
  submitDraft: { input: DraftRef, output: NoteDraftView },
  listRejected: { input: Empty, output: RejectedList },
  dismissRejected: { input: MutationRef, output: Ok },
  syncNow: { input: Empty, output: SyncStatus },
  syncStatus: { input: Empty, output: SyncStatus },
  listOutbox: { input: Empty, output: OutboxList },
  saveDictation: { input: SaveDictationInput, output: DictationView },
  listDictations: { input: DictationQuery, output: DictationList },
  // Notes review (server calls: offline they answer 'offline', "needs the server").
  getNoteReview: { input: NoteRef, output: NoteReview },
  editNoteStatement: { input: EditStatementInput, output: SoapDraftView },
  acceptNoteStatement: { input: StatementRef, output: SoapDraftView },
  removeNoteStatement: { input: StatementRef, output: SoapDraftView },
  approveNote: { input: ApproveInput, output: SoapDraftView },
  /** "Not in the draft": add the left-out sentence to a section, or mark it as not needed. */
  addNoteOmission: { input: AddOmissionInput, output: NoteReview },
  dismissNoteOmission: { input: OmissionRef, output: NoteReview },
  /** The physician confirms that a note naming another patient belongs to the patient on the banner. */
  confirmNotePatient: { input: NoteRef, output: NoteReview },
  addNoteAddendum: { input: AddendumInput, output: NoteAddendumCreated },
  getNoteAudit: { input: NoteRef, output: NoteAudit },
  /** Stores the recording locally, then sends every pending dictation of the user that the server can take. */
  dictate: { input: DictateInput, output: DictationStatus },
  sendDictations: { input: Empty, output: DictationStatus },
  updateStatus: { input: Empty, output: UpdateStatus },
  getFlags: { input: Empty, output: StationFlags },
} as const;

export type StationApi = typeof stationApi;
export type StationCall = keyof StationApi;
export type StationInput<K extends StationCall> = z.infer<StationApi[K]['input']>;
export type StationOutput<K extends StationCall> = z.infer<StationApi[K]['output']>;
/** What a host implements: one async function per call. */
export type StationHandlers = { [K in StationCall]: (input: StationInput<K>) => Promise<StationOutput<K>> };

/*
 * Station API events: what the station core tells the renderer without being asked, so that no
 * screen polls. Declared next to the calls and derived the same way: Electron sends each on its
 * own IPC channel and the preload exposes one subscribe function per event; main/host streams
 * them as server-sent events (GET STATION_EVENTS_PATH, behind the same per-launch secret).
 * A payload is a notice plus what is cheap to carry; a screen that needs more asks with a call.
 * After (re)connecting a client cannot know what it missed: it reads `status` once.
 */
export const DraftsChanged = z.object({ draftIds: z.array(Uuid), patientIds: z.array(z.string()) });
export const OutboxChanged = z.object({ pending: z.number().int(), rejected: z.number().int() });
/** Feature flags of the station's branch, as cached from sync (not the ward list's per-patient badges). */
export const FeatureFlagsChanged = z.object({ flags: z.array(FeatureFlag.pick({ key: true, enabled: true, value: true })) });

export const stationEvents = {
  /** Anything in StationStatus changed (session, lock, sync state or progress). */
  status: StationStatus,
  /** The outbox's progress or the sync state changed (a push or pull round, a save). */
  syncProgress: SyncStatus,
  /** Drafts changed on this station: saved here, answered by the server, or pulled. */
  draftsChanged: DraftsChanged,
  /** Items entered, left or were set aside in the outbox. */
  outboxChanged: OutboxChanged,
  updateStatus: UpdateStatus,
  featureFlags: FeatureFlagsChanged,
} as const;

export type StationEvents = typeof stationEvents;
export type StationEventName = keyof StationEvents;
export type StationEventPayload<K extends StationEventName> = z.infer<StationEvents[K]>;
export type StationEventListener<K extends StationEventName> = (payload: StationEventPayload<K>) => void;
/** What the station core offers hosts: subscribe to one event, get an unsubscribe back. */
export interface StationEventSource {
  on<K extends StationEventName>(name: K, listener: StationEventListener<K>): () => void;
}
/** main/host's server-sent-event stream (GET, with STATION_SECRET_HEADER). */
export const STATION_EVENTS_PATH = '/api/events';

/** Station API errors carry one of these codes (HTTP host: JSON `{"error":{"code","message"}}`). */
export const StationErrorCode = z.enum(['bad_request', 'not_enrolled', 'unauthorized', 'locked', 'not_found', 'offline', 'conflict', 'internal']);
export type StationErrorCode = z.infer<typeof StationErrorCode>;

/** The loopback host's per-launch secret travels in this header. */
export const STATION_SECRET_HEADER = 'x-station-secret';
/**
 * A browser page names itself (a random id made at each page load) in this header: the host
 * locks an open session when a new page appears (a reload, a second tab), so whoever reloads
 * a shared station's page gets the lock screen, never the last user's ward list.
 */
export const STATION_PAGE_HEADER = 'x-station-page';
