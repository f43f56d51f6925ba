import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { app, BrowserWindow, ipcMain, protocol, session } from 'electron';
import { forwardEvents, registerApiHandlers, type ApiContract, type ApiImplementation, type EventContract, type EventSourceOf } from './bridge';
import { APP_ORIGIN, APP_SCHEME, STATION_CSP, isAllowedNavigation, isAllowedPermission, isOwnOrigin } from './security';
import { HTML_CONTENT_TYPE, contentTypeOf } from '../../contract/content-types';

/*
 * The Electron shell: thin by design (DESIGN §9). It serves the built renderer from our own
 * scheme, wires one IPC handler per station API call to the station core, and closes the core's
 * local store cleanly on quit. Everything it decides is in security.ts and bridge.ts, tested.
 */

export interface StationRuntime<C extends ApiContract, E extends EventContract = EventContract> {
  contract: C;
  implementation: ApiImplementation<C>;
  /** The station's events, forwarded to the window on one channel each. */
  events?: { contract: E; source: EventSourceOf<E> };
  /** Flushes and closes the local store; called once on quit. */
  close(): Promise<void>;
}

export interface ShellOptions<C extends ApiContract, E extends EventContract = EventContract> {
  rendererDir: string;
  preloadPath: string;
  createRuntime(): Promise<StationRuntime<C, E>>;
}

async function serveRenderer(rendererDir: string, request: Request): Promise<Response> {
  const base = path.resolve(rendererDir);
  const url = new URL(request.url);
  const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
  const file = path.resolve(base, rel);
  if (!file.startsWith(base + path.sep)) return new Response('not found', { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: {
        'content-type': contentTypeOf(path.extname(file)),
        'content-security-policy': STATION_CSP,
        'x-content-type-options': 'nosniff',
      },
    });
  } catch {
    // The station is a single page: unknown paths get the app, which routes itself.
    const index = await readFile(path.join(base, 'index.html'));
    return new Response(index, { headers: { 'content-type': HTML_CONTENT_TYPE, 'content-security-policy': STATION_CSP } });
  }
}

export function runShell<C extends ApiContract, E extends EventContract = EventContract>(options: ShellOptions<C, E>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  let window: BrowserWindow | null = null;
  let runtime: StationRuntime<C, E> | null = null;
  let closing = false;

  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!isAllowedNavigation(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isAllowedNavigation(url)) e.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });

  app.on('before-quit', (e) => {
    if (closing || !runtime) return;
    e.preventDefault();
    closing = true;
    void runtime.close().finally(() => app.quit());
  });
  app.on('window-all-closed', () => app.quit());

  void app.whenReady().then(async () => {
    protocol.handle(APP_SCHEME, (request) => serveRenderer(options.rendererDir, request));
    session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => {
      const media = 'mediaTypes' in details && Array.isArray(details.mediaTypes) ? details.mediaTypes : [];
      callback(isAllowedPermission(permission, details.requestingUrl ?? '', media));
    });
    session.defaultSession.setPermissionCheckHandler((_wc, permission, requestingOrigin) =>
      isAllowedPermission(permission, requestingOrigin, ['audio']),
    );

    runtime = await options.createRuntime();
    registerApiHandlers(
      { handle: (channel, fn) => ipcMain.handle(channel, (event, input) => fn({ senderUrl: event.senderFrame?.url ?? null }, input)) },
      runtime.contract,
      runtime.implementation,
      isOwnOrigin,
    );

    window = new BrowserWindow({
      width: 1366,
      height: 768,
      minWidth: 1024,
      minHeight: 640,
      show: false,
      title: 'Ward Workstation',
      // Written out literally so that the static scan (electronegativity) can verify it.
      webPreferences: {
        preload: options.preloadPath,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
        disableBlinkFeatures: 'Auxclick',
      },
    });
    window.once('ready-to-show', () => window?.show());
    if (runtime.events) {
      const target = window.webContents;
      const stop = forwardEvents(runtime.events.contract, runtime.events.source, (channel, payload) => {
        if (!target.isDestroyed()) target.send(channel, payload);
      });
      window.once('closed', stop);
    }
    await window.loadURL(`${APP_ORIGIN}/index.html`);
  });
}
