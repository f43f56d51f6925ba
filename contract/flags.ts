import { z } from 'zod';

/* Feature flags, per branch: IT sets them, stations read them (later delivered with sync). */

export const FlagKey = z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/);

export const FlagValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const SetFlagInput = z.object({ enabled: z.boolean(), value: FlagValue.optional() });
export type SetFlagInput = z.infer<typeof SetFlagInput>;

export const Flag = z.object({
  key: FlagKey,
  enabled: z.boolean(),
  value: FlagValue,
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type Flag = z.infer<typeof Flag>;

export const FlagList = z.object({ branch: z.string(), flags: z.array(Flag) });
export type FlagList = z.infer<typeof FlagList>;
