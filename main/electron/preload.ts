import { contextBridge, ipcRenderer } from 'electron';
import { stationApi, stationEvents } from '../../contract/station-api';
import { buildPreloadApi, buildPreloadEvents } from './bridge';

/*
 * The preload: one function per station API call on `window.station`, generated from the
 * contract, each bound to its own IPC channel, and one subscribe function per station event on
 * `window.stationEvents`. Nothing else of Electron or Node reaches the page.
 */
contextBridge.exposeInMainWorld(
  'station',
  buildPreloadApi(stationApi, (channel, input) => ipcRenderer.invoke(channel, input)),
);
contextBridge.exposeInMainWorld(
  'stationEvents',
  buildPreloadEvents(stationEvents, (channel, listener) => {
    const handler = (_event: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => ipcRenderer.removeListener(channel, handler);
  }),
);
