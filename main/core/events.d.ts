import type { StationEventName, StationEventPayload, StationEventSource, StationStatus } from '../../contract/station-api';
import { type Store } from './store';
export interface StationEventHub extends StationEventSource {
    /** Something may have changed: compare and emit once the current burst is over. */
    poke(): void;
    emit<K extends StationEventName>(name: K, payload: StationEventPayload<K>): void;
    close(): void;
}
export interface EventHubSources {
    store: Store;
    status(): StationStatus;
    /** The signed-in user, whose drafts are announced; null when nobody is. */
    userId(): number | null;
}
export declare function createEventHub(src: EventHubSources): StationEventHub;
