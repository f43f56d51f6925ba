import type { FeatureFlag } from '../../contract/flags';
import type { StationFlags } from '../../contract/station-api';
import { type Store } from './store';
export declare function saveFlags(store: Store, flags: readonly FeatureFlag[], receivedAt?: Date): void;
export declare function readFlags(store: Store): StationFlags;
