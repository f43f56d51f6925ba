import type { StationErrorCode } from '../../contract/station-api';

/** A station API call that cannot be served; hosts map the code to their transport. */
export class StationError extends Error {
  constructor(
    readonly code: StationErrorCode,
    message: string,
  ) {
    super(message);
  }
}
