import { z } from 'zod';
import { LoginRequest, LoginResponse, MeResponse } from './auth';
import { ApiClientList, AuditCheckpointList, SessionsEnded, SetPasswordInput, StationList, UserList, Username } from './console';
import { ApiErrorBody, type ErrorCode } from './errors';
import { FeatureFlagKey, FeatureFlagList, SetFeatureFlagInput } from './flags';
import { AddendumInput, AddOmissionInput, ApproveInput, EditStatementInput, NoteAudit, NoteReview, SoapDraftView, TranscribeInput, TranscribeResult } from './notes';
import { PatientList, PatientQuery, Patient } from './patient';
import { LiveEvent, PullQuery, PullResponse, PushRequest, PushResponse } from './sync';
import {
  AddRingInput,
  ArtifactName,
  Channel,
  ChangeRolloutResult,
  ChannelQuery,
  FeedFile,
  FeedFileName,
  FleetVersions,
  HealthVerdict,
  MoveRolloutInput,
  MoveRolloutResult,
  PublishReleaseInput,
  ReleaseList,
  ReleaseSignal,
  RingList,
  RolloutStatus,
  RolloutTarget,
  RolloutThresholdInput,
  StationHealthHeader,
  StoredArtifact,
  ThresholdResult,
} from './releases';
import { NoteAddendumCreated } from './station-api';
import { StationInfo } from './ward';

/*
 * The server's HTTP API, declared once like the station API: method, path, the schemas of what
 * goes in (path parameters, query, body) and comes out, who may call, and the error codes a caller
 * must handle. The server's routes parse their inputs with these schemas, the console's and the
 * station's clients are derived from them (createServerApiClient), and
 * server/http/server-api.int.test.ts checks that the routes fastify registers are exactly the
 * declared ones. FHIR and the console's pages are declared as route families (serverRouteFamilies):
 * one handler each, whose interactions are the FHIR router's (server/fhir/router.ts).
 */

const NoContent = z.undefined();

interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify syntax: `:name` is a path parameter. */
  path: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body is a stream of bytes (application/octet-stream), not JSON. */
  rawBody?: 'octet-stream';
  output: z.ZodType;
  /** Success status when not 200. */
  status?: 201 | 204;
  /**
   * Who may call: nobody signed in; a user session (bearer token) with one of these roles;
   * 'station': an enrolled station's credential alone (STATION_CREDENTIAL_HEADER, or bearer);
   * 'station-user': the station's credential and its user's session.
   */
  auth: 'none' | 'station' | 'station-user' | { roles: readonly ('physician' | 'nurse' | 'it_admin')[] | 'any' };
  /**
   * Not one JSON answer: 'event-stream' is server-sent events whose `data` lines match `output`;
   * 'yaml' and 'octet-stream' are files (output: z.string() only documents it); 'feed-rows' is a
   * pull page as feed rows (contract/sync.ts, parsePullRows).
   */
  stream?: 'event-stream';
  answers?: 'yaml' | 'octet-stream' | 'feed-rows';
  errors: readonly ErrorCode[];
}

const itAdmin = { roles: ['it_admin'] } as const;
const clinical = { roles: ['physician', 'nurse'] } as const;
const signedIn = { roles: 'any' } as const;
const adminErrors = ['bad_request', 'unauthorized', 'forbidden', 'unavailable'] as const;
/** Review, approval and addenda of a note: 404 for another branch's note, 409 for a stale or signed one. */
const noteErrors = ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'unavailable'] as const;
const stationErrors = ['bad_request', 'unauthorized', 'not_found', 'unavailable'] as const;

/* Path parameters, shared by the routes that parse them and the clients that fill them in. */
const Uuid = z.string().uuid();
export const IdParams = z.object({ id: Uuid });
export const StatementParams = z.object({ id: Uuid, section: z.string(), index: z.coerce.number().int().min(0) });
export const OmissionParams = z.object({ id: Uuid, key: z.string() });
export const RolloutActionParams = z.object({ action: z.enum(['pause', 'resume', 'rollback']) });
export const FeedParams = z.object({ channel: Channel, file: FeedFile });
export const FeedFileParams = z.object({ channel: Channel, name: FeedFileName });
export const UpdateEventsQuery = z.object({ channel: Channel.optional() });
const statementRoute = (action: 'edit' | 'accept' | 'remove') =>
  ({ method: 'POST', path: `/api/notes/:id/statements/:section/:index/${action}`, params: StatementParams, output: SoapDraftView, auth: clinical, errors: noteErrors }) as const;

export const serverApi = {
  // Liveness and readiness for load balancers: no authentication, no data. /readyz answers 503
  // with the same shape ({ status: 'draining' | 'not_migrated' | 'database_unreachable' }).
  healthz: { method: 'GET', path: '/healthz', output: z.object({ status: z.literal('ok') }), auth: 'none', errors: [] },
  readyz: { method: 'GET', path: '/readyz', output: z.object({ status: z.string(), missing: z.number().int().optional() }), auth: 'none', errors: ['unavailable'] },

  login: { method: 'POST', path: '/api/auth/login', body: LoginRequest, output: LoginResponse, auth: 'none', errors: ['bad_request', 'unauthorized', 'rate_limited', 'unavailable'] },
  logout: { method: 'POST', path: '/api/auth/logout', output: NoContent, status: 204, auth: signedIn, errors: ['unauthorized'] },
  me: { method: 'GET', path: '/api/me', output: MeResponse, auth: signedIn, errors: ['unauthorized'] },

  // Patient reads (clinical roles, the session's branch, audited).
  listPatients: { method: 'GET', path: '/api/patients', query: PatientQuery, output: PatientList, auth: clinical, errors: ['bad_request', 'unauthorized', 'forbidden', 'unavailable'] },
  getPatient: { method: 'GET', path: '/api/patients/:id', params: IdParams, output: Patient, auth: clinical, errors: ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'unavailable'] },

  // Review and approval of SOAP drafts (server/http/routes/notes.ts).
  getNoteReview: { method: 'GET', path: '/api/notes/:id', params: IdParams, output: NoteReview, auth: clinical, errors: noteErrors },
  editNoteStatement: { ...statementRoute('edit'), body: EditStatementInput.pick({ text: true }) },
  acceptNoteStatement: statementRoute('accept'),
  removeNoteStatement: statementRoute('remove'),
  approveNote: { method: 'POST', path: '/api/notes/:id/approve', params: IdParams, body: ApproveInput.pick({ contentHash: true }), output: SoapDraftView, auth: clinical, errors: noteErrors },
  addNoteOmission: { method: 'POST', path: '/api/notes/:id/omissions/:key/add', params: OmissionParams, body: AddOmissionInput.pick({ section: true }), output: NoteReview, auth: clinical, errors: noteErrors },
  dismissNoteOmission: { method: 'POST', path: '/api/notes/:id/omissions/:key/not-needed', params: OmissionParams, output: NoteReview, auth: clinical, errors: noteErrors },
  confirmNotePatient: { method: 'POST', path: '/api/notes/:id/confirm-patient', params: IdParams, output: NoteReview, auth: clinical, errors: noteErrors },
  addNoteAddendum: {
    method: 'POST',
    path: '/api/notes/:id/addenda',
    params: IdParams,
    body: AddendumInput.pick({ text: true }),
    output: NoteAddendumCreated,
    status: 201,
    auth: clinical,
    errors: noteErrors,
  },
  getNoteAudit: { method: 'GET', path: '/api/notes/:id/audit', params: IdParams, output: NoteAudit, auth: clinical, errors: noteErrors },
  /** A dictation, transcribed by the server and appended to the draft (503 without a speech-to-text provider). */
  transcribeDictation: {
    method: 'POST',
    path: '/api/notes/:id/transcription',
    params: IdParams,
    body: TranscribeInput.omit({ noteId: true }),
    output: TranscribeResult,
    auth: 'station-user',
    errors: [...noteErrors, 'payload_too_large'],
  },

  // The IT console: fleet, releases, rings, rollouts, feature flags.
  listStations: { method: 'GET', path: '/api/admin/stations', output: StationList, auth: itAdmin, errors: adminErrors },
  // The admin CLI's user, station and API-client commands, for the branches the administrator
  // administers (a target reaching another branch is refused); each audited, sessions ended.
  revokeStation: { method: 'POST', path: '/api/admin/stations/:id/revoke', params: z.object({ id: z.uuid() }), output: SessionsEnded, auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  listUsers: { method: 'GET', path: '/api/admin/users', output: UserList, auth: itAdmin, errors: adminErrors },
  disableUser: { method: 'POST', path: '/api/admin/users/:username/disable', params: z.object({ username: Username }), output: SessionsEnded, auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  enableUser: { method: 'POST', path: '/api/admin/users/:username/enable', params: z.object({ username: Username }), output: z.object({ ok: z.literal(true) }), auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  /** Clears the name's failed sign-ins on every station (the admin CLI's `user unlock`). */
  unlockUser: { method: 'POST', path: '/api/admin/users/:username/unlock', params: z.object({ username: Username }), output: z.object({ ok: z.literal(true) }), auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  setUserPassword: { method: 'POST', path: '/api/admin/users/:username/password', params: z.object({ username: Username }), body: SetPasswordInput, output: SessionsEnded, auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  listApiClients: { method: 'GET', path: '/api/admin/clients', output: ApiClientList, auth: itAdmin, errors: adminErrors },
  revokeApiClient: { method: 'POST', path: '/api/admin/clients/:id/revoke', params: z.object({ id: z.coerce.number().int().positive() }), output: z.object({ ok: z.literal(true) }), auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  auditCheckpoints: { method: 'GET', path: '/api/admin/audit/checkpoints', output: AuditCheckpointList, auth: itAdmin, errors: adminErrors },

  publishRelease: { method: 'POST', path: '/api/releases', body: PublishReleaseInput, output: z.object({ id: z.number().int() }), status: 201, auth: itAdmin, errors: [...adminErrors, 'conflict'] },
  listReleases: { method: 'GET', path: '/api/releases', query: ChannelQuery, output: ReleaseList, auth: itAdmin, errors: adminErrors },
  uploadArtifact: {
    method: 'PUT',
    path: '/api/releases/artifacts/:name',
    params: z.object({ name: ArtifactName }),
    rawBody: 'octet-stream',
    output: StoredArtifact,
    status: 201,
    auth: itAdmin,
    errors: [...adminErrors, 'conflict', 'payload_too_large'],
  },
  addRing: { method: 'POST', path: '/api/releases/rings', body: AddRingInput, output: z.object({ id: z.number().int() }), status: 201, auth: itAdmin, errors: [...adminErrors, 'conflict', 'not_found'] },
  listRings: { method: 'GET', path: '/api/releases/rings', query: ChannelQuery, output: RingList, auth: itAdmin, errors: adminErrors },
  moveRollout: { method: 'POST', path: '/api/releases/rollout/move', body: MoveRolloutInput, output: MoveRolloutResult, auth: itAdmin, errors: [...adminErrors, 'conflict', 'not_found'] },
  changeRollout: {
    method: 'POST',
    path: '/api/releases/rollout/:action',
    params: RolloutActionParams,
    body: RolloutTarget,
    output: ChangeRolloutResult,
    auth: itAdmin,
    errors: [...adminErrors, 'conflict', 'not_found'],
  },
  setRolloutThreshold: { method: 'PUT', path: '/api/releases/rollout/threshold', body: RolloutThresholdInput, output: ThresholdResult, auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  rolloutStatus: { method: 'GET', path: '/api/releases/rollout', query: ChannelQuery, output: RolloutStatus, auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  fleetVersions: { method: 'GET', path: '/api/releases/fleet', output: FleetVersions, auth: itAdmin, errors: adminErrors },
  listFlags: { method: 'GET', path: '/api/flags', output: FeatureFlagList, auth: itAdmin, errors: adminErrors },
  setFlag: { method: 'PUT', path: '/api/flags/:key', params: z.object({ key: FeatureFlagKey }), body: SetFeatureFlagInput, output: z.object({ ok: z.literal(true) }), auth: itAdmin, errors: adminErrors },

  // The station's sync (contract/sync.ts). Ward and clinical data (vitals, allergies, nursing
  // notes) travel as sync mutations and feed rows, not routes of their own.
  syncPush: { method: 'POST', path: '/api/sync/push', body: PushRequest, output: PushResponse, auth: 'station-user', errors: ['bad_request', 'unauthorized', 'forbidden', 'payload_too_large', 'unavailable'] },
  syncPull: { method: 'GET', path: '/api/sync/pull', query: PullQuery, output: PullResponse, auth: 'station-user', errors: ['bad_request', 'unauthorized', 'forbidden', 'unavailable'] },
  /** The same page as feed rows (contract/sync.ts, parsePullRows); a server without it answers 404 and the station pulls JSON. */
  syncPullRows: { method: 'GET', path: '/api/sync/pull/rows', query: PullQuery, output: z.string(), answers: 'feed-rows', auth: 'station-user', errors: ['bad_request', 'unauthorized', 'forbidden', 'unavailable'] },
  syncLive: { method: 'GET', path: '/api/sync/live', output: LiveEvent, stream: 'event-stream', auth: 'station-user', errors: ['unauthorized', 'forbidden'] },

  // What an enrolled station reads with its credential alone: its place, its branch's feature
  // flags, the electron-updater feed and files, release signals; and where it reports its health.
  stationInfo: { method: 'GET', path: '/api/station/info', output: StationInfo, auth: 'station', errors: stationErrors },
  stationFlags: { method: 'GET', path: '/api/station/flags', output: FeatureFlagList, auth: 'station', errors: stationErrors },
  updateFeed: { method: 'GET', path: '/updates/:channel/:file', params: FeedParams, output: z.string(), answers: 'yaml', auth: 'station', errors: stationErrors },
  updateFile: { method: 'GET', path: '/updates/:channel/files/:name', params: FeedFileParams, output: z.string(), answers: 'octet-stream', auth: 'station', errors: stationErrors },
  reportHealth: { method: 'POST', path: '/updates/health', body: StationHealthHeader, output: HealthVerdict, auth: 'station', errors: stationErrors },
  updateEvents: { method: 'GET', path: '/updates/events', query: UpdateEventsQuery, output: ReleaseSignal, stream: 'event-stream', auth: 'station', errors: ['bad_request', 'unauthorized'] },
} as const satisfies Record<string, RouteSpec>;

/**
 * Routes answered by one handler for a whole family, declared by their patterns. FHIR: every
 * interaction of the FHIR R4 API (server/fhir/router.ts; its CapabilityStatement at
 * /fhir/metadata lists them), authorised by SMART scopes, refused with an OperationOutcome (never
 * the /api error shape). The console: the built IT console's files, when the server serves them.
 */
export const serverRouteFamilies = {
  fhir: { methods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], paths: ['/fhir', '/fhir/*'], errors: 'OperationOutcome' },
  consoleUi: { methods: ['GET'], paths: ['/console/*', '/console'], errors: 'none' },
} as const;

/** Every method and path the server registers, as declared here (fastify pattern syntax). */
export function declaredServerRoutes(): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = Object.values(serverApi).map((r: RouteSpec) => ({ method: r.method, url: r.path }));
  for (const f of Object.values(serverRouteFamilies)) for (const url of f.paths) for (const method of f.methods) routes.push({ method, url });
  return routes;
}

export type ServerApi = typeof serverApi;
export type ServerRoute = keyof ServerApi;
type In<S, K extends 'params' | 'query' | 'body'> = S extends { [P in K]: z.ZodType } ? { [P in K]: z.input<S[K]> } : { [P in K]?: never };
/** What a call takes: the route's path parameters, query and body, each only when declared, and the session token. */
export type ServerCallInput<K extends ServerRoute> = In<ServerApi[K], 'params'> & In<ServerApi[K], 'query'> & In<ServerApi[K], 'body'> & { token?: string };
export type ServerCallOutput<K extends ServerRoute> = z.infer<ServerApi[K]['output']>;
type JsonRoute = { [K in ServerRoute]: ServerApi[K] extends { stream: string } | { answers: string } | { rawBody: string } ? never : K }[ServerRoute];
/** One function per JSON route; an event stream, a file or an upload is read or sent by its own client (e.g. the station's sync client). */
export type ServerApiClient = { [K in JsonRoute]: (input: ServerCallInput<K>) => Promise<ServerCallOutput<K>> };

/** A refused call: the HTTP status and the error body's code and message. */
export class ServerApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The URL of a call: path parameters filled in (encoded), the query appended. */
export function serverPath(route: ServerRoute, input: { params?: Record<string, unknown>; query?: Record<string, unknown> }): string {
  const spec = serverApi[route];
  const path = spec.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = input.params?.[name];
    if (value === undefined) throw new Error(`${route}: missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const query = Object.entries(input.query ?? {}).filter(([, v]) => v !== undefined);
  return query.length === 0 ? path : `${path}?${query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
}

/** The fetch a client needs (the browser's, or Node's), without depending on either's types. */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** A typed client of the server's HTTP API, one function per declared route, answers checked against the contract. */
export function createServerApiClient(fetchLike: FetchLike, baseUrl = ''): ServerApiClient {
  const client: Record<string, (input: { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; token?: string }) => Promise<unknown>> = {};
  for (const route of Object.keys(serverApi) as ServerRoute[]) {
    const spec: RouteSpec = serverApi[route];
    if (spec.stream || spec.answers || spec.rawBody) continue;
    client[route] = async (input) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (input.body !== undefined) headers['content-type'] = 'application/json';
      if (input.token) headers.authorization = `Bearer ${input.token}`;
      const res = await fetchLike(`${baseUrl}${serverPath(route, input)}`, { method: spec.method, headers, ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}) });
      if (spec.status === 204 && res.ok) return undefined;
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) {
        const err = ApiErrorBody.safeParse(body);
        throw new ServerApiError(res.status, err.success ? err.data.error.code : 'unknown', err.success ? err.data.error.message : `HTTP ${res.status}`);
      }
      return spec.output.parse(body);
    };
  }
  return client as unknown as ServerApiClient;
}

/** The folder of a channel's update feed (electron-updater's generic feed URL): the updateFeed route without its file. */
export function updateFeedFolder(channel: string): string {
  return serverPath('updateFeed', { params: { channel, file: 'latest.yml' } }).replace(/\/latest\.yml$/, '');
}
