import { z } from 'zod';
import { LoginRequest, LoginResponse, MeResponse } from './auth';
import { ApiClientList, AuditCheckpointList, SessionsEnded, SetPasswordInput, StationList, StoredArtifact, UserList, Username } from './console';
import { ApiErrorBody, type ErrorCode } from './errors';
import { FlagKey, FlagList, SetFlagInput } from './flags';
import { LiveEvent, PullQuery, PullResponse, PushRequest, PushResponse } from './sync';
import { AddRingInput, ArtifactName, Channel, ChangeRolloutResult, FleetVersions, MoveRolloutInput, MoveRolloutResult, PublishReleaseInput, RolloutStatus, RolloutTarget, RolloutThresholdInput, ThresholdResult } from './releases';

/*
 * The server's HTTP API, declared once like the station API: method, path, the schemas of what
 * goes in (path parameters, query, body) and comes out, and the error codes a caller must handle.
 * Clients are derived from it (createServerApiClient); server/http/server-api.test.ts checks that
 * the server registers every declared route. So far it covers sign-in, the IT console's calls
 * (fleet, user/station/API-client commands, audit checkpoints, artifact upload, releases,
 * rollouts, feature flags) and the station's sync; the notes, patients and
 * update routes and FHIR are still declared only in their route files.
 */

const NoContent = z.undefined();
const ChannelQuery = z.object({ channel: Channel.optional() });

interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify syntax: `:name` is a path parameter. */
  path: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body is the raw bytes of a file (application/octet-stream), not JSON. */
  upload?: true;
  output: z.ZodType;
  /** Success status when not 200. */
  status?: 201 | 204;
  /**
   * Who may call: nobody signed in; a user session (bearer token) with one of these roles; or
   * 'station-user': an enrolled station's credential (STATION_CREDENTIAL_HEADER) and its user's session.
   */
  auth: 'none' | 'station-user' | { roles: readonly ('physician' | 'nurse' | 'it_admin')[] | 'any' };
  /** 'event-stream': server-sent events whose `data` lines match `output`, not one JSON answer. */
  stream?: 'event-stream';
  errors: readonly ErrorCode[];
}

const itAdmin = { roles: ['it_admin'] } as const;
const signedIn = { roles: 'any' } as const;
const adminErrors = ['bad_request', 'unauthorized', 'forbidden', 'unavailable'] as const;

export const serverApi = {
  login: { method: 'POST', path: '/api/auth/login', body: LoginRequest, output: LoginResponse, auth: 'none', errors: ['bad_request', 'unauthorized', 'rate_limited', 'unavailable'] },
  logout: { method: 'POST', path: '/api/auth/logout', output: NoContent, status: 204, auth: signedIn, errors: ['unauthorized'] },
  me: { method: 'GET', path: '/api/me', output: MeResponse, auth: signedIn, errors: ['unauthorized'] },
  listStations: { method: 'GET', path: '/api/admin/stations', output: StationList, auth: itAdmin, errors: adminErrors },
  // The admin CLI's user, station and API-client commands, for the branches the administrator
  // administers (a target reaching another branch is refused); each audited, sessions ended.
  revokeStation: { method: 'POST', path: '/api/admin/stations/:id/revoke', params: z.object({ id: z.uuid() }), output: SessionsEnded, auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  listUsers: { method: 'GET', path: '/api/admin/users', output: UserList, auth: itAdmin, errors: adminErrors },
  disableUser: { method: 'POST', path: '/api/admin/users/:username/disable', params: z.object({ username: Username }), output: SessionsEnded, auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  setUserPassword: { method: 'POST', path: '/api/admin/users/:username/password', params: z.object({ username: Username }), body: SetPasswordInput, output: SessionsEnded, auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  listApiClients: { method: 'GET', path: '/api/admin/clients', output: ApiClientList, auth: itAdmin, errors: adminErrors },
  revokeApiClient: { method: 'POST', path: '/api/admin/clients/:id/revoke', params: z.object({ id: z.coerce.number().int().positive() }), output: z.object({ ok: z.literal(true) }), auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  auditCheckpoints: { method: 'GET', path: '/api/admin/audit/checkpoints', output: AuditCheckpointList, auth: itAdmin, errors: adminErrors },
  uploadArtifact: {
    method: 'PUT',
    path: '/api/releases/artifacts/:name',
    params: z.object({ name: ArtifactName }),
    body: z.custom<Uint8Array<ArrayBuffer>>((v) => v instanceof Uint8Array),
    upload: true,
    output: StoredArtifact,
    status: 201,
    auth: itAdmin,
    errors: [...adminErrors, 'conflict'],
  },
  publishRelease: { method: 'POST', path: '/api/releases', body: PublishReleaseInput, output: z.object({ id: z.number().int() }), status: 201, auth: itAdmin, errors: [...adminErrors, 'conflict'] },
  addRing: { method: 'POST', path: '/api/releases/rings', body: AddRingInput, output: z.object({ id: z.number().int() }), status: 201, auth: itAdmin, errors: [...adminErrors, 'conflict', 'not_found'] },
  moveRollout: { method: 'POST', path: '/api/releases/rollout/move', body: MoveRolloutInput, output: MoveRolloutResult, auth: itAdmin, errors: [...adminErrors, 'conflict', 'not_found'] },
  changeRollout: {
    method: 'POST',
    path: '/api/releases/rollout/:action',
    params: z.object({ action: z.enum(['pause', 'resume', 'rollback']) }),
    body: RolloutTarget,
    output: ChangeRolloutResult,
    auth: itAdmin,
    errors: [...adminErrors, 'conflict', 'not_found'],
  },
  setRolloutThreshold: { method: 'PUT', path: '/api/releases/rollout/threshold', body: RolloutThresholdInput, output: ThresholdResult, auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  rolloutStatus: { method: 'GET', path: '/api/releases/rollout', query: ChannelQuery, output: RolloutStatus, auth: itAdmin, errors: [...adminErrors, 'not_found'] },
  fleetVersions: { method: 'GET', path: '/api/releases/fleet', output: FleetVersions, auth: itAdmin, errors: adminErrors },
  // The station's sync (contract/sync.ts).
  syncPush: { method: 'POST', path: '/api/sync/push', body: PushRequest, output: PushResponse, auth: 'station-user', errors: ['bad_request', 'unauthorized', 'forbidden', 'payload_too_large', 'unavailable'] },
  syncPull: { method: 'GET', path: '/api/sync/pull', query: PullQuery, output: PullResponse, auth: 'station-user', errors: ['bad_request', 'unauthorized', 'forbidden', 'unavailable'] },
  syncLive: { method: 'GET', path: '/api/sync/live', output: LiveEvent, stream: 'event-stream', auth: 'station-user', errors: ['unauthorized', 'forbidden'] },
  listFlags: { method: 'GET', path: '/api/flags', output: FlagList, auth: itAdmin, errors: adminErrors },
  setFlag: { method: 'PUT', path: '/api/flags/:key', params: z.object({ key: FlagKey }), body: SetFlagInput, output: z.object({ ok: z.literal(true) }), auth: itAdmin, errors: adminErrors },
} as const satisfies Record<string, RouteSpec>;

export type ServerApi = typeof serverApi;
export type ServerRoute = keyof ServerApi;
type In<S, K extends 'params' | 'query' | 'body'> = S extends { [P in K]: z.ZodType } ? { [P in K]: z.input<S[K]> } : { [P in K]?: never };
/** What a call takes: the route's path parameters, query and body, each only when declared, and the session token. */
export type ServerCallInput<K extends ServerRoute> = In<ServerApi[K], 'params'> & In<ServerApi[K], 'query'> & In<ServerApi[K], 'body'> & { token?: string };
export type ServerCallOutput<K extends ServerRoute> = z.infer<ServerApi[K]['output']>;
type JsonRoute = { [K in ServerRoute]: ServerApi[K] extends { stream: string } ? never : K }[ServerRoute];
/** One function per JSON route; an event stream is read by its own client (e.g. the station's sync client). */
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
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string | Uint8Array<ArrayBuffer> }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** A typed client of the server's HTTP API, one function per declared route, answers checked against the contract. */
export function createServerApiClient(fetchLike: FetchLike, baseUrl = ''): ServerApiClient {
  const client: Record<string, (input: { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; token?: string }) => Promise<unknown>> = {};
  for (const route of Object.keys(serverApi) as ServerRoute[]) {
    const spec: RouteSpec = serverApi[route];
    if (spec.stream) continue;
    client[route] = async (input) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (input.body !== undefined) headers['content-type'] = spec.upload ? 'application/octet-stream' : 'application/json';
      if (input.token) headers.authorization = `Bearer ${input.token}`;
      const payload = input.body === undefined ? undefined : spec.upload ? (input.body as Uint8Array<ArrayBuffer>) : JSON.stringify(input.body);
      const res = await fetchLike(`${baseUrl}${serverPath(route, input)}`, { method: spec.method, headers, ...(payload !== undefined ? { body: payload } : {}) });
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
