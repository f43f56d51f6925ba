import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cachedCallers } from '../../fhir/caller';
import { cursorSecretLoader, type FhirConfig } from '../../fhir/config';
import { FhirError } from '../../fhir/errors';
import { fhirErrorResponse, handleFhir, type FhirDeps, type FhirResponse } from '../../fhir/router';
import { bearerToken } from '../authenticate';
import type { AppContext } from '../context';
import type { Logger } from '../../log';

/*
 * The thin fastify adapter of the FHIR API at /fhir: it parses JSON bodies (application/fhir+json
 * or application/json), hands a plain FhirRequest to the route table in server/fhir, and sends the
 * answer. Its own error handler sends framework errors (malformed JSON, too large, wrong content
 * type) as OperationOutcomes too, so /fhir never answers the /api error shape.
 */

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function send(reply: FastifyReply, r: FhirResponse): FastifyReply {
  for (const [k, v] of Object.entries(r.headers)) void reply.header(k, v);
  if (r.body === null) return reply.status(r.status).send();
  return reply.status(r.status).type(FHIR_JSON).send(JSON.stringify(r.body));
}

const CORS_METHODS = 'GET, HEAD, POST, PUT, OPTIONS';
const CORS_HEADERS = 'authorization, content-type, accept, if-none-exist, if-match, prefer';
const CORS_EXPOSE = 'location, etag, last-modified, content-location';

/** For fastify's frameworkErrors (raised before routing, e.g. a malformed URL). */
export function sendFhirFrameworkError(reply: FastifyReply, log: Logger, err: unknown): FastifyReply {
  return send(reply, fhirErrorResponse(log, err));
}

function header(request: FastifyRequest, name: string): string | null {
  const v = request.headers[name];
  return typeof v === 'string' ? v : null;
}

export function registerFhirRoutes(app: FastifyInstance, ctx: AppContext, config: FhirConfig): void {
  const deps: FhirDeps = {
    db: ctx.db,
    ...(ctx.readDb ? { readDb: ctx.readDb } : {}),
    policy: ctx.policy,
    config,
    cursorSecret: cursorSecretLoader(ctx.db, config.cursorSecret),
    log: ctx.log,
    findCaller: cachedCallers(config.clientCacheMs),
  };

  void app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(['application/fhir+json', 'application/json'], { parseAs: 'string' }, (_request, body, done) => {
        try {
          // No __proto__ keys: a parsed body must never be able to reach an object's prototype.
          done(null, (body as string).length === 0 ? undefined : JSON.parse(body as string, (k, v: unknown) => (k === '__proto__' ? undefined : v)));
        } catch {
          done(new FhirError(400, 'structure', 'malformed JSON'), undefined);
        }
      });
      scope.addContentTypeParser('*', (_request, _payload, done) => {
        done(new FhirError(415, 'not-supported', 'unsupported content type; use application/fhir+json'), undefined);
      });
      // POST [type]/_search sends its parameters as a form; the router checks where a form may go.
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body as string));
      scope.setErrorHandler((err, _request, reply) => send(reply, fhirErrorResponse(ctx.log, err)));

      const expectedHost = config.baseUrl ? new URL(config.baseUrl).host.toLowerCase() : null;
      scope.addHook('onRequest', async (request, reply) => {
        // With a public base URL configured, links are built from it and any other Host is refused.
        if (expectedHost !== null && request.host.toLowerCase() !== expectedHost) {
          return send(reply, fhirErrorResponse(ctx.log, new FhirError(421, 'not-supported', 'unknown Host: use the public base URL of this server')));
        }
        // CORS for the configured browser origins only; any other origin gets no CORS headers (the browser refuses).
        const origin = header(request, 'origin');
        if (origin !== null && config.corsOrigins.includes(origin)) {
          void reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-expose-headers', CORS_EXPOSE);
          if (request.method === 'OPTIONS' && header(request, 'access-control-request-method') !== null) {
            return reply.header('access-control-allow-methods', CORS_METHODS).header('access-control-allow-headers', CORS_HEADERS).header('access-control-max-age', '600').status(204).send();
          }
        } else if (origin !== null) void reply.header('vary', 'Origin');
        return undefined;
      });

      const handler = async (request: FastifyRequest, reply: FastifyReply) => {
        const accept = header(request, 'accept');
        if (accept && /xml|turtle/i.test(accept) && !/json|\*\/\*/i.test(accept)) {
          return send(reply, fhirErrorResponse(ctx.log, new FhirError(406, 'not-supported', 'only JSON is supported')));
        }
        const url = request.raw.url ?? '/fhir';
        const q = url.indexOf('?');
        const path = (q < 0 ? url : url.slice(0, q)).slice('/fhir'.length);
        const host = request.host;
        const baseUrl = config.baseUrl ?? `${request.protocol}://${HOST.test(host) ? host : 'localhost'}/fhir`;
        const r = await handleFhir(deps, {
          // HEAD is a GET whose body the server does not send.
          method: request.method === 'HEAD' ? 'GET' : request.method,
          path: safeDecode(path),
          query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
          body: request.body,
          token: bearerToken(request),
          ifNoneExist: header(request, 'if-none-exist'),
          ifMatch: header(request, 'if-match'),
          prefer: header(request, 'prefer'),
          baseUrl,
        });
        return send(reply, r);
      };
      // Transactions from real feeds are large: the FHIR API's own body limit (stated in the CapabilityStatement).
      scope.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/', handler, bodyLimit: config.maxBodyBytes });
      scope.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/*', handler, bodyLimit: config.maxBodyBytes });
    },
    { prefix: '/fhir' },
  );
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
