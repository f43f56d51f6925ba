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
