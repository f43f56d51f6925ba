import { z } from 'zod';

/* Feature flags, per branch: IT sets them, stations read them (later delivered with sync). */

export const FeatureFlagKey = z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/);

export const FeatureFlagValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const SetFeatureFlagInput = z.object({ enabled: z.boolean(), value: FeatureFlagValue.optional() });
export type SetFeatureFlagInput = z.infer<typeof SetFeatureFlagInput>;

export const FeatureFlag = z.object({
  key: FeatureFlagKey,
  enabled: z.boolean(),
  value: FeatureFlagValue,
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type FeatureFlag = z.infer<typeof FeatureFlag>;

export const FeatureFlagList = z.object({ branch: z.string(), flags: z.array(FeatureFlag) });
export type FeatureFlagList = z.infer<typeof FeatureFlagList>;
