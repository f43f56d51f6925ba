import { createHash } from 'node:crypto';
import type { RingKind } from '../../contract/releases';

/* Which stations a ring holds. Pure: the feed, the console counts and the tests share it. */

export interface Ring {
  id: number;
  channel: string;
  name: string;
  position: number;
  kind: RingKind;
  branchId: number | null;
  stationIds: readonly string[];
  wardIds: readonly number[];
  percent: number | null;
}

export interface StationIdentity {
  id: string;
  branchId: number;
  wardId: number;
}

/**
 * A station's stable bucket in 0..99. Keyed by station id alone, so a station in the first 25%
 * of a branch stays in every larger percentage and in the same place for every release.
 */
export function stationBucket(stationId: string): number {
  return createHash('sha256').update(stationId).digest().readUInt32BE(0) % 100;
}

export function ringHolds(ring: Ring, s: StationIdentity): boolean {
  if (ring.branchId !== null && ring.branchId !== s.branchId) return false;
  switch (ring.kind) {
    case 'stations':
      return ring.stationIds.includes(s.id);
    case 'wards':
      return ring.wardIds.includes(s.wardId);
    case 'percent':
      return stationBucket(s.id) < (ring.percent ?? 0);
    case 'everyone':
      return true;
  }
}

/** True when some ring up to `position` holds the station. */
export function reachedBy(rings: readonly Ring[], position: number, s: StationIdentity): boolean {
  return rings.some((r) => r.position <= position && ringHolds(r, s));
}
