import type { VersionHealth } from '../../contract/releases';

/* The rollout's health gate (DESIGN §7): the new version against the old, in the same rings. Pure. */

export interface HealthThreshold {
  maxErrorRatio: number;
  minErrorRate: number;
  minStations: number;
}

export interface HealthSample {
  stationId: string;
  uptimeSeconds: number;
  incidents: number;
}

export function summarize(version: string, samples: readonly HealthSample[]): VersionHealth {
  const stations = new Set(samples.map((s) => s.stationId)).size;
  const seconds = samples.reduce((a, s) => a + s.uptimeSeconds, 0);
  const incidents = samples.reduce((a, s) => a + s.incidents, 0);
  const stationHours = seconds / 3600;
  // A report with no uptime still counts its incidents, over at least one station-minute.
  const errorRate = incidents === 0 ? 0 : incidents / Math.max(stationHours, stations / 60);
  return { version, stations, stationHours, incidents, errorRate };
}

/** The reason to halt, or null. Without a baseline sample the new version is judged against zero. */
export function haltReason(candidate: VersionHealth, baseline: VersionHealth | null, t: HealthThreshold): string | null {
  if (candidate.stations < t.minStations) return null;
  const old = baseline && baseline.stations > 0 ? baseline.errorRate : 0;
  if (candidate.errorRate <= t.minErrorRate) return null;
  if (candidate.errorRate <= old * t.maxErrorRatio) return null;
  return `error rate ${candidate.errorRate.toFixed(2)}/station-hour on ${candidate.version} (${candidate.stations} stations) exceeds ${t.maxErrorRatio}x the baseline's ${old.toFixed(2)}`;
}
