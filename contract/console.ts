import { z } from 'zod';

/** A workstation of the branch as the IT console lists it. No patient data. */
export const StationSummary = z.object({
  id: z.string().uuid(),
  name: z.string(),
  ward: z.object({ code: z.string(), name: z.string() }),
  appVersion: z.string().nullable(),
  enrolledAt: z.string(),
  lastSeenAt: z.string().nullable(),
  revoked: z.boolean(),
});
export type StationSummary = z.infer<typeof StationSummary>;

export const StationList = z.object({ stations: z.array(StationSummary) });
export type StationList = z.infer<typeof StationList>;

/** A user with a role in the branch, as the console lists them (no password hash, no patient data). */
export const UserSummary = z.object({
  username: z.string(),
  displayName: z.string(),
  /** Roles in the branch signed into. */
  roles: z.array(z.string()),
  /** Codes of every branch where the user holds a role: a command reaches all of them. */
  branches: z.array(z.string()),
  disabled: z.boolean(),
  /**
   * Failed sign-ins at this name, from every station and address, since the failure window's
   * start and the name's last success or unlock: past five from one source, that source waits.
   */
  failedSignIns: z.number().int(),
});
export type UserSummary = z.infer<typeof UserSummary>;
export const UserList = z.object({ users: z.array(UserSummary) });
export type UserList = z.infer<typeof UserList>;

export const Username = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/, 'a username');
/** A new password, sent once over the console's own origin; the server keeps only its scrypt hash. */
export const SetPasswordInput = z.object({ password: z.string().min(10, 'at least 10 characters').max(1024) });
export type SetPasswordInput = z.infer<typeof SetPasswordInput>;
/** What an admin command ended: the user's or the station's sessions (their live streams close within seconds). */
export const SessionsEnded = z.object({ sessionsEnded: z.number().int() });

/** An API client (FHIR partner) of the branch. Its token is never shown again. */
export const ApiClientSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  revoked: z.boolean(),
});
export type ApiClientSummary = z.infer<typeof ApiClientSummary>;
export const ApiClientList = z.object({ clients: z.array(ApiClientSummary) });
export type ApiClientList = z.infer<typeof ApiClientList>;

/**
 * The newest signed audit checkpoint of a branch beside its chain now. `matches`: the chain
 * still reaches the checkpointed row and that row still holds the signed hash (false: rows were
 * deleted or rewritten after the checkpoint); null when there is no checkpoint yet.
 */
export const AuditCheckpointStatus = z.object({
  branch: z.string(),
  head: z.object({ seq: z.string(), at: z.string() }).nullable(),
  checkpoint: z.object({ seq: z.string(), hash: z.string(), at: z.string() }).nullable(),
  matches: z.boolean().nullable(),
  reason: z.string().nullable(),
});
export type AuditCheckpointStatus = z.infer<typeof AuditCheckpointStatus>;
export const AuditCheckpointList = z.object({ configured: z.boolean(), branches: z.array(AuditCheckpointStatus) });
export type AuditCheckpointList = z.infer<typeof AuditCheckpointList>;

