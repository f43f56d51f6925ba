import Fastify, { type FastifyInstance } from 'fastify';
import type { AppContext } from './context';
import { installTextBoundary } from './boundary';
import { installErrorHandling, sendError } from './errors';
import { registerAuthRoutes } from './routes/auth';
import { registerConsoleRoutes } from './routes/console';
import type { FhirConfig } from '../fhir/config';
import { processFhirConfig } from '../config';
import { registerFhirRoutes, sendFhirFrameworkError } from './routes/fhir';
import { registerHealthRoutes, type HealthState } from './routes/health';
import { registerPatientRoutes } from './routes/patients';
import { serveBuiltUi } from './static-files';
import { DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from '../config';
import { registerFlagRoutes } from './routes/flags';
import { registerReleaseRoutes } from './routes/releases';
import { registerUpdateRoutes } from './routes/updates';
import { registerSyncRoutes } from './routes/sync';
import { registerNoteRoutes } from './routes/notes';
import { registerStationInfoRoutes } from './routes/station-info';

export interface ServerOptions {
  bodyLimitBytes?: number;
  trustProxy?: boolean;
  /** The built IT console (vite output); served at /console/ when given. */
  consoleDir?: string;
  /** The FHIR API's configuration (ServerConfig.fhir); the process's environment's when not given. */
  fhir?: FhirConfig;
  timeouts?: Partial<HttpTimeouts>;
}


export interface BuiltServer {
  app: FastifyInstance;
  health: HealthState;
  /** Every route registered (method and pattern), for tests that walk them all. */
  routes: { method: string; url: string }[];
}

/** Builds the HTTP server. Every route is registered here, in one readable list. */
export async function buildServer(ctx: AppContext, options: ServerOptions = {}): Promise<BuiltServer> {
  const timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...options.timeouts };
  const app = Fastify({
    logger: false,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.connectionMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // Node checks the request timeout on this interval (30 s by default): a short timeout needs a
    // shorter check. The headers must arrive within the request timeout too.
    http: {
      requestTimeout: timeouts.requestMs,
      headersTimeout: Math.min(60_000, timeouts.requestMs),
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(timeouts.requestMs / 4))),
    },
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    // Errors raised before routing (a malformed URL) bypass the error handlers: answer them in
    // the caller's error shape too, never fastify's own.
    frameworkErrors: (err, request, reply) => {
      if (request.url.startsWith('/fhir')) return sendFhirFrameworkError(reply, ctx.log, err);
      return sendError(reply, 400, 'bad_request', 'the request could not be read: if it came from a station, update the station or call IT support');
    },
  });
  const health: HealthState = { draining: false };
  const routes: BuiltServer['routes'] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });

  installErrorHandling(app, ctx.log);
  installTextBoundary(app);
  app.addHook('onResponse', async (request, reply) => {
    // Route pattern, never the URL: a query string can hold a patient's name.
    ctx.log.info('request', {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    });
  });

  registerHealthRoutes(app, ctx, health);
  registerAuthRoutes(app, ctx);
  registerPatientRoutes(app, ctx);
  registerConsoleRoutes(app, ctx);
  if (options.consoleDir) serveBuiltUi(app, '/console/', options.consoleDir);
  const fhir = options.fhir ?? processFhirConfig();
  registerFhirRoutes(app, ctx, fhir);
  registerReleaseRoutes(app, ctx);
  registerUpdateRoutes(app, ctx);
  registerFlagRoutes(app, ctx);
  registerSyncRoutes(app, ctx, fhir);
  registerNoteRoutes(app, ctx);
  registerStationInfoRoutes(app, ctx);

  await app.ready();
  return { app, health, routes };
}
