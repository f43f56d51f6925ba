import { StationInfo } from '../../contract/ward';
import { createStationServerApi } from './server-client';
import { getConfig, setConfig, type Store } from './store';

/*
 * The enrolled station's branch and ward, asked of the server with the station's credential and
 * kept in the local store, so that sign-in needs no branch (offline too, once it has been known)
 * and the ward list opens on the station's own ward.
 */

export function storedStationInfo(store: Store): StationInfo | null {
  const raw = getConfig(store, 'station_info');
  if (!raw) return null;
  const parsed = StationInfo.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

/** Refreshes the stored info; keeps the old one when the server cannot be reached. */
export async function refreshStationInfo(store: Store, url: string, credential: string, timeoutMs = 10_000): Promise<StationInfo | null> {
  try {
    const info = await createStationServerApi(url, credential, timeoutMs).stationInfo({});
    setConfig(store, 'station_info', JSON.stringify(info));
    return info;
  } catch {
    return storedStationInfo(store);
  }
}
