import type { StationHandlers } from '../../contract/station-api';
import type { Sessions } from './session';
import type { Store } from './store';
export interface DictationSender {
    stop(): Promise<void>;
}
export declare function startDictationSender(store: Store, sessions: Sessions, notes: Pick<StationHandlers, 'sendDictations'>, baseMs: number): DictationSender;
