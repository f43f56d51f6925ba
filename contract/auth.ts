import { z } from 'zod';
import { Role } from './roles';

export const BranchCode = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and hyphens');

export const LoginRequest = z.object({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(1024),
  branch: BranchCode,
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const SessionUser = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(Role),
});
export type SessionUser = z.infer<typeof SessionUser>;

export const BranchInfo = z.object({ id: z.number().int(), code: z.string(), name: z.string() });
export type BranchInfo = z.infer<typeof BranchInfo>;

export const LoginResponse = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: SessionUser,
  branch: BranchInfo,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const MeResponse = z.object({ user: SessionUser, branch: BranchInfo, expiresAt: z.string() });
export type MeResponse = z.infer<typeof MeResponse>;
