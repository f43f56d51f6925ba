import { LoginResponse, type LoginRequest } from '../../contract/auth';
import { StationList } from '../../contract/console';
import { ApiErrorBody } from '../../contract/errors';
import { FlagList } from '../../contract/flags';
import { ChangeRolloutResult, FleetVersions, MoveRolloutResult, RolloutStatus, ThresholdResult } from '../../contract/releases';
import { z } from 'zod';

/** The console's only way to the server: same origin, JSON, validated against the contract. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<S extends z.ZodType>(schema: S, path: string, init: RequestInit & { token?: string }): Promise<z.infer<S>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(path, { ...init, headers });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = ApiErrorBody.safeParse(body);
    throw new ApiError(res.status, err.success ? err.data.error.code : 'unknown', err.success ? err.data.error.message : `HTTP ${res.status}`);
  }
  return schema.parse(body);
}

export const consoleApi = {
  login: (req: LoginRequest) => call(LoginResponse, '/api/auth/login', { method: 'POST', body: JSON.stringify(req) }),
  logout: (token: string) =>
    fetch('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then(() => undefined),
  stations: (token: string) => call(StationList, '/api/admin/stations', { method: 'GET', token }),
  rollout: (token: string, channel: string) => call(RolloutStatus, `/api/releases/rollout?channel=${encodeURIComponent(channel)}`, { method: 'GET', token }),
  fleetVersions: (token: string) => call(FleetVersions, '/api/releases/fleet', { method: 'GET', token }),
  moveRollout: (token: string, body: { channel: string; version: string; ring: string }) =>
    call(MoveRolloutResult, '/api/releases/rollout/move', { method: 'POST', token, body: JSON.stringify(body) }),
  changeRollout: (token: string, action: 'pause' | 'resume' | 'rollback', body: { channel: string; version: string }) =>
    call(ChangeRolloutResult, `/api/releases/rollout/${action}`, { method: 'POST', token, body: JSON.stringify(body) }),
  flags: (token: string) => call(FlagList, '/api/flags', { method: 'GET', token }),
  setFlag: (token: string, key: string, enabled: boolean) =>
    call(z.object({ ok: z.literal(true) }), `/api/flags/${encodeURIComponent(key)}`, { method: 'PUT', token, body: JSON.stringify({ enabled }) }),
  setThreshold: (token: string, body: { channel: string; version: string; maxErrorRatio: number; minErrorRate: number; minStations: number }) =>
    call(ThresholdResult, '/api/releases/rollout/threshold', { method: 'PUT', token, body: JSON.stringify(body) }),
};
