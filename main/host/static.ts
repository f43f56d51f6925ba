import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { STATION_CSP } from '../../contract/station-csp';
import { contentTypeOf } from '../../contract/content-types';

/*
 * The built station renderer for a browser (when Electron is missing), under the same strict
 * CSP as the Electron window. Static files carry no patient data, so they need no secret.
 */

export async function serveStatic(dir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const base = path.resolve(dir);
  const pathname = new URL(req.url ?? '/', 'http://station').pathname;
  let rel: string;
  try {
    rel = decodeURIComponent(pathname).replace(/^\/+/, '') || 'index.html';
  } catch {
    rel = 'index.html';
  }
  let file = path.resolve(base, rel);
  if (!file.startsWith(base + path.sep)) file = path.join(base, 'index.html');
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    // A single page: unknown paths get the app, which routes itself.
    file = path.join(base, 'index.html');
    body = await readFile(file);
  }
  res.writeHead(200, {
    'content-type': contentTypeOf(path.extname(file)),
    'content-security-policy': STATION_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
    'content-length': body.length,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
