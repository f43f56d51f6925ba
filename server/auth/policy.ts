/** Session and sign-in limits. Defaults suit a ward; config may override them. */
export interface AuthPolicy {
  sessionTtlMs: number;
  idleTimeoutMs: number;
  maxFailuresPerUsername: number;
  failureWindowMs: number;
  maxAttemptsPerRemotePerMinute: number;
}

export const DEFAULT_AUTH_POLICY: AuthPolicy = {
  sessionTtlMs: 12 * 60 * 60 * 1000,
  idleTimeoutMs: 30 * 60 * 1000,
  maxFailuresPerUsername: 5,
  failureWindowMs: 15 * 60 * 1000,
  maxAttemptsPerRemotePerMinute: 60,
};
