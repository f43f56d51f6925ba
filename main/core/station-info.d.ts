import { StationInfo } from '../../contract/ward';
import { type Store } from './store';
export declare function storedStationInfo(store: Store): StationInfo | null;
/** Refreshes the stored info; keeps the old one when the server cannot be reached. */
export declare function refreshStationInfo(store: Store, url: string, credential: string, timeoutMs?: number): Promise<StationInfo | null>;
