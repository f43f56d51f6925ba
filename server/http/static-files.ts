import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sendError } from './errors';
import { contentTypeOf } from '../../contract/content-types';

/**
 * A strict policy for the built UI: only our own scripts and styles, no inline code, no framing,
 * and network access only back to this server.
 */
export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Serves a built single-page UI (index.html for unknown paths below the prefix). */
export function serveBuiltUi(app: FastifyInstance, prefix: string, root: string): void {
  const base = path.resolve(root);
  app.get(`${prefix}*`, async (request, reply) => {
    // fastify has decoded the path already: decoding again would turn `%25` into a URIError.
    const rel = (request.params as { '*': string })['*'] ?? '';
    let file = path.resolve(base, rel || 'index.html');
    if (!file.startsWith(base + path.sep) && file !== base) return sendError(reply, 404, 'not_found', 'no such file');
    const isFile = await stat(file).then((s) => s.isFile(), () => false);
    if (!isFile) file = path.join(base, 'index.html');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return sendError(reply, 503, 'unavailable', 'the console is not built (npm start builds it)');
    }
    const type = contentTypeOf(path.extname(file));
    // Hashed asset names may be cached for good; index.html must always be fresh.
    const cache = file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-store';
    return reply
      .header('content-type', type)
      .header('cache-control', cache)
      .header('content-security-policy', UI_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(body);
  });
  app.get(prefix.replace(/\/$/, ''), async (_request, reply) => reply.redirect(prefix));
}
