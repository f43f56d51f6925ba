import type { StationHealthHeader } from '../../contract/releases';
import { getConfig, setConfig, type Store } from './store';

/*
 * The station's health as the release health gate reads it (DESIGN §7): version, uptime, sync
 * failures, crashes and errors since the last report the server kept. Reports ride on sync
 * requests (HealthCarrier), never a poll of their own. Crashes are counted in the store, so a
 * crash that ends the process is reported by the next start.
 */

export interface HealthOptions {
  /** The release channel the station follows (its reports are judged against that channel's rollout). */
  channel: string;
  /** A report at least this often while nothing goes wrong (uptime for the gate's station-hours); default 5 min. */
  reportEveryMs?: number;
  /** With incidents to tell, a report at most this often; default 10 s. */
  incidentGapMs?: number;
  now?: () => number;
}

export interface Health {
  syncFailure(): void;
  error(): void;
  /** Counted in the store at once: the process may be about to end. */
  crash(): void;
  /** The report to send with the next sync request, or null; give it back with `settle`. */
  take(): StationHealthHeader | null;
  /** The server kept the report (true) or the request never reached it (false: counted again). */
  settle(report: StationHealthHeader, recorded: boolean): void;
  readonly version: string;
}

const CRASHES = 'health_crashes';
const MAX_UPTIME_S = 7 * 86400;

export function createHealth(store: Store, version: string, options: HealthOptions): Health {
  const now = options.now ?? Date.now;
  const every = options.reportEveryMs ?? 5 * 60_000;
  const gap = options.incidentGapMs ?? 10_000;
  let since = now();
  let lastReport = 0;
  let syncFailures = 0;
  let errors = 0;
  let inFlight = false;
  const crashes = () => Number(getConfig(store, CRASHES) ?? '0');
  return {
    version,
    syncFailure: () => void syncFailures++,
    error: () => void errors++,
    crash() {
      try {
        setConfig(store, CRASHES, String(crashes() + 1));
      } catch {
        // the store itself may be what failed; the crash is still logged by the host
      }
    },
    take() {
      if (inFlight) return null;
      const t = now();
      const c = crashes();
      const incidents = syncFailures + errors + c;
      const due = incidents > 0 ? t - lastReport >= gap : t - since >= every;
      if (!due) return null;
      inFlight = true;
      const report: StationHealthHeader = {
        channel: options.channel,
        version,
        uptimeSeconds: Math.min(MAX_UPTIME_S, Math.floor((t - since) / 1000)),
        syncFailures,
        crashes: c,
        errors,
      };
      // Counted from here on; given back below if the server never got it.
      since = t;
      syncFailures = 0;
      errors = 0;
      lastReport = t;
      return report;
    },
    settle(report, recorded) {
      inFlight = false;
      if (recorded) {
        if (report.crashes > 0) setConfig(store, CRASHES, String(Math.max(0, crashes() - report.crashes)));
        return;
      }
      since -= report.uptimeSeconds * 1000;
      syncFailures += report.syncFailures;
      errors += report.errors;
      lastReport = 0;
    },
  };
}
