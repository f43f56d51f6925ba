import { z } from 'zod';

/*
 * Station releases (DESIGN §7): what IT publishes, the rings a rollout moves through, what a
 * station reports about its health, and what the console reads. The update feed itself speaks
 * electron-updater's own YAML format, not JSON.
 */

export const Channel = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/);
/** Semantic version as electron-updater compares it (no leading "v"). */
export const Version = z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/);
export const Platform = z.enum(['win', 'linux', 'mac']);
export type Platform = z.infer<typeof Platform>;

const Sha512 = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'base64 sha512');
const Signature = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'base64 Ed25519 signature');
/** An artifact's name in the server's artifact store: a plain file name, nothing to resolve. */
export const ArtifactName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/, 'a plain file name (letters, digits, . _ -)');

/** A release file as the server stores and the feed offers it: always from its own artifact store. */
export const ReleaseFile = z.object({
  platform: Platform,
  /** Relative to the feed folder: files/<artifact name>. Never an address an administrator typed. */
  url: z.string().regex(/^files\/[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/),
  /** Computed by the server from the stored artifact. */
  sha512: Sha512,
  size: z.number().int().positive(),
  /** Ed25519 over releaseSignatureMessage(version, file name, sha512), base64. Files published before
   * signing existed carry none; the station refuses a file without a valid one. */
  signature: Signature.optional(),
});
export type ReleaseFile = z.infer<typeof ReleaseFile>;

/**
 * The bytes a release artifact's Ed25519 signature covers (one format for server and station):
 * `wardstation-release-v1\n<version>\n<file name>\n<sha512 base64>`. The file name is the url's
 * last path segment, so the signature does not depend on where the feed is served from.
 */
export function releaseSignatureMessage(version: string, fileName: string, sha512: string): string {
  return `wardstation-release-v1\n${version}\n${fileName}\n${sha512}`;
}

export const PublishReleaseInput = z.object({
  channel: Channel,
  version: Version,
  notes: z.string().max(20000).default(''),
  /** Artifacts already in the server's store, each with the release manager's signature. */
  files: z.array(z.strictObject({ platform: Platform, name: ArtifactName, signature: Signature })).min(1).max(20),
  releaseDate: z.iso.datetime().optional(),
});
export type PublishReleaseInput = z.input<typeof PublishReleaseInput>;

export const RingKind = z.enum(['stations', 'wards', 'percent', 'everyone']);
export type RingKind = z.infer<typeof RingKind>;

export const AddRingInput = z.object({
  channel: Channel,
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/),
  position: z.number().int().min(1).max(1000),
  kind: RingKind,
  /** Branch code: required for wards and percent; optional for everyone (one branch's everyone). */
  branch: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).optional(),
  stationIds: z.array(z.uuid()).max(1000).optional(),
  wardCodes: z.array(z.string().min(1).max(64)).max(200).optional(),
  percent: z.number().int().min(0).max(100).optional(),
});
export type AddRingInput = z.input<typeof AddRingInput>;

/**
 * Where a rollout acts: one branch (its code) or 'group' (every branch; needs the group release
 * manager role). The console sends the signed-in branch when it names none.
 */
export const RolloutScope = z.union([z.literal('group'), z.string().regex(/^[a-z0-9][a-z0-9-]*$/)]);
export const RolloutTarget = z.object({ channel: Channel, version: Version, scope: RolloutScope.optional() });
export const MoveRolloutInput = RolloutTarget.extend({ ring: z.string().min(1).max(32) });
export const RolloutThresholdInput = RolloutTarget.extend({
  /** Halt when the new version's error rate exceeds the old one's times this ratio… */
  maxErrorRatio: z.number().min(1).max(100),
  /** …and exceeds this many errors per station-hour (so two errors among quiet stations do not halt). */
  minErrorRate: z.number().min(0).max(10000),
  /** Reporting stations on the new version needed before a verdict. */
  minStations: z.number().int().min(1).max(100000),
});

export const RolloutState = z.enum(['active', 'paused', 'halted', 'rolled_back', 'superseded']);
export type RolloutState = z.infer<typeof RolloutState>;

export const HealthReport = z.object({
  version: Version,
  /** Counters since the previous report. */
  uptimeSeconds: z.number().int().min(0).max(7 * 86400),
  syncFailures: z.number().int().min(0).max(1_000_000),
  crashes: z.number().int().min(0).max(1_000_000),
  errors: z.number().int().min(0).max(1_000_000),
});
export type HealthReport = z.infer<typeof HealthReport>;

export const HealthVerdict = z.object({
  recorded: z.literal(true),
  rolloutState: RolloutState.nullable(),
});

export const VersionHealth = z.object({
  version: z.string(),
  stations: z.number().int(),
  stationHours: z.number(),
  incidents: z.number().int(),
  /** Incidents (sync failures + crashes + errors) per station-hour. */
  errorRate: z.number(),
});
export type VersionHealth = z.infer<typeof VersionHealth>;

export const RingStatus = z.object({
  name: z.string(),
  position: z.number().int(),
  kind: RingKind,
  branch: z.string().nullable(),
  reached: z.boolean(),
  stations: z.number().int(),
});

export const RolloutEvent = z.object({ at: z.string(), kind: z.string(), detail: z.record(z.string(), z.unknown()) });
export type RolloutEvent = z.infer<typeof RolloutEvent>;

export const RolloutStatus = z.object({
  channel: Channel,
  /** The branch code the rollout reaches, or 'group'. */
  scope: z.string().optional(),
  version: z.string(),
  baselineVersion: z.string().nullable(),
  state: RolloutState,
  ringPosition: z.number().int(),
  haltReason: z.string().nullable(),
  threshold: z.object({ maxErrorRatio: z.number(), minErrorRate: z.number(), minStations: z.number().int() }),
  rings: z.array(RingStatus),
  health: z.object({ candidate: VersionHealth, baseline: VersionHealth.nullable() }),
  timeline: z.array(RolloutEvent),
});
export type RolloutStatus = z.infer<typeof RolloutStatus>;

export const FleetVersions = z.object({
  branches: z.array(
    z.object({ branch: z.string(), versions: z.array(z.object({ version: z.string().nullable(), stations: z.number().int() })) }),
  ),
});
export type FleetVersions = z.infer<typeof FleetVersions>;

/** Server-sent event to online stations: check the feed now. */
export const ReleaseSignal = z.object({
  channel: Channel,
  kind: z.enum(['release', 'rollback', 'flags']),
  /** The one branch whose stations it concerns; absent: every branch (a group-wide rollout). */
  branchId: z.number().int().optional(),
});
export type ReleaseSignal = z.infer<typeof ReleaseSignal>;

/* What a station sends with its sync requests (push and pull): its version, and now and then its health. */
export const STATION_VERSION_HEADER = 'x-station-version';
/** JSON of StationHealthHeader; the server answers HEALTH_RECORDED_HEADER when it kept the report. */
export const STATION_HEALTH_HEADER = 'x-station-health';
export const HEALTH_RECORDED_HEADER = 'x-station-health-recorded';
export const StationHealthHeader = HealthReport.extend({ channel: Channel.default('stable') });
export type StationHealthHeader = z.infer<typeof StationHealthHeader>;

/* Answers of the console's release actions (the routes in server/http/routes/releases.ts). */
export const MoveRolloutResult = z.object({ rolloutId: z.number().int(), position: z.number().int() });
export const ChangeRolloutResult = z.object({ state: RolloutState });
export const ThresholdResult = z.object({ ok: z.literal(true) });

/* What the console reads of releases and rings, and what an artifact upload answers. */
export const ChannelQuery = z.object({ channel: Channel.default('stable') });
export const ReleaseList = z.object({
  releases: z.array(z.object({ version: z.string(), notes: z.string(), releaseDate: z.string(), publishedAt: z.string(), publishedBy: z.string() })),
});
export const Ring = z.object({
  id: z.number().int(),
  channel: z.string(),
  name: z.string(),
  position: z.number().int(),
  kind: RingKind,
  branchId: z.number().int().nullable(),
  stationIds: z.array(z.string()),
  wardIds: z.array(z.number().int()),
  percent: z.number().nullable(),
});
export const RingList = z.object({ rings: z.array(Ring) });
export const StoredArtifact = z.object({ name: ArtifactName, sha512: z.string(), size: z.number().int() });
/** The electron-updater feed files a station reads, and a release file's name in the feed. */
export const FeedFile = z.enum(['latest.yml', 'latest-linux.yml', 'latest-mac.yml']);
// A plain file name: no separators, no leading dot, so it cannot leave the files folder.
export const FeedFileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._ -]{0,200}$/);
