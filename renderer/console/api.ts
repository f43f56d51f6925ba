import { StoredArtifact } from '../../contract/releases';
import { ApiErrorBody } from '../../contract/errors';
import { createServerApiClient, serverApi, serverPath, ServerApiError, type ServerCallInput } from '../../contract/server-api';

/*
 * The console's only way to the server: same origin, JSON, every route and answer as declared in
 * contract/server-api.ts (the client is derived from it). These are the screens' names for the calls.
 */
export { ServerApiError as ApiError };

const server = createServerApiClient((url, init) => fetch(url, init));

/** The artifact upload sends the file's bytes (application/octet-stream), so it has its own call; the route and answer are still the contract's. */
async function uploadArtifact(token: string, name: string, bytes: Uint8Array<ArrayBuffer>): Promise<ReturnType<typeof StoredArtifact.parse>> {
  const res = await fetch(serverPath('uploadArtifact', { params: { name } }), {
    method: serverApi.uploadArtifact.method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', accept: 'application/json' },
    body: bytes,
  });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = ApiErrorBody.safeParse(body);
    throw new ServerApiError(res.status, err.success ? err.data.error.code : 'unknown', err.success ? err.data.error.message : `HTTP ${res.status}`);
  }
  return StoredArtifact.parse(body);
}

export const consoleApi = {
  login: (req: ServerCallInput<'login'>['body']) => server.login({ body: req }),
  // A session the server refuses to end is over anyway; only an unreachable server is an error.
  logout: (token: string) =>
    server.logout({ token }).catch((e: unknown) => {
      if (!(e instanceof ServerApiError)) throw e;
    }),
  stations: (token: string) => server.listStations({ token }),
  rollout: (token: string, channel: string) => server.rolloutStatus({ token, query: { channel } }),
  fleetVersions: (token: string) => server.fleetVersions({ token }),
  moveRollout: (token: string, body: ServerCallInput<'moveRollout'>['body']) => server.moveRollout({ token, body }),
  changeRollout: (token: string, action: 'pause' | 'resume' | 'rollback', body: ServerCallInput<'changeRollout'>['body']) => server.changeRollout({ token, params: { action }, body }),
  setThreshold: (token: string, body: ServerCallInput<'setRolloutThreshold'>['body']) => server.setRolloutThreshold({ token, body }),
  revokeStation: (token: string, id: string) => server.revokeStation({ token, params: { id } }),
  users: (token: string) => server.listUsers({ token }),
  disableUser: (token: string, username: string) => server.disableUser({ token, params: { username } }),
  enableUser: (token: string, username: string) => server.enableUser({ token, params: { username } }),
  unlockUser: (token: string, username: string) => server.unlockUser({ token, params: { username } }),
  setPassword: (token: string, username: string, password: string) => server.setUserPassword({ token, params: { username }, body: { password } }),
  apiClients: (token: string) => server.listApiClients({ token }),
  revokeApiClient: (token: string, id: number) => server.revokeApiClient({ token, params: { id } }),
  auditCheckpoints: (token: string) => server.auditCheckpoints({ token }),
  uploadArtifact,
  publishRelease: (token: string, body: ServerCallInput<'publishRelease'>['body']) => server.publishRelease({ token, body }),
  flags: (token: string) => server.listFlags({ token }),
  setFlag: (token: string, key: string, enabled: boolean) => server.setFlag({ token, params: { key }, body: { enabled } }),
};
