import type { StationHealthHeader } from '../../contract/releases';
import { type Store } from './store';
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
export declare function createHealth(store: Store, version: string, options: HealthOptions): Health;
