import type { StationErrorCode } from '../../contract/station-api';
/** A station API call that cannot be served; hosts map the code to their transport. */
export declare class StationError extends Error {
    readonly code: StationErrorCode;
    constructor(code: StationErrorCode, message: string);
}
