import { contextBridge, ipcRenderer } from 'electron';
import { stationApi } from '../../contract/station-api';
import { buildPreloadApi } from './bridge';

/*
 * The preload: one function per station API call on `window.station`, generated from the
 * contract, each bound to its own IPC channel. Nothing else of Electron or Node reaches the page.
 */
contextBridge.exposeInMainWorld(
  'station',
  buildPreloadApi(stationApi, (channel, input) => ipcRenderer.invoke(channel, input)),
);
