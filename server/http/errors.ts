import type { FastifyInstance, FastifyReply } from 'fastify';
import { DATABASE_UNREACHABLE_SERVER, type ErrorCode } from '../../contract/errors';
import { isDatabaseBusy, isDatabaseUnavailable } from '../db/unavailable';
import type { Logger } from '../log';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.status(status).type('application/json; charset=utf-8').send({ error: { code, message } });
}

const FASTIFY_CLIENT_ERRORS: Record<number, ErrorCode> = {
  400: 'bad_request',
  413: 'payload_too_large',
  415: 'bad_request',
};

/** One place turns every thrown error into the JSON error shape; nothing internal leaks out. */
export function installErrorHandling(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err, request, reply) => {
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
      return sendError(reply, err.status, err.code, err.message);
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && FASTIFY_CLIENT_ERRORS[status]) {
      const message = status === 413 ? 'the request is too large for this server: send less at once (a shorter note, a shorter recording)' : status === 415 ? 'unsupported content type' : 'the request could not be read: if it came from a station, update the station or call IT support';
      return sendError(reply, status, FASTIFY_CLIENT_ERRORS[status]!, message);
    }
    if (isDatabaseUnavailable(err)) {
      log.warn('database unreachable', { route: request.routeOptions.url ?? 'unknown', error: errorKind(err) });
      void reply.header('retry-after', '10');
      return sendError(reply, 503, 'unavailable', DATABASE_UNREACHABLE_SERVER);
    }
    if (isDatabaseBusy(err)) {
      log.warn('database busy', { route: request.routeOptions.url ?? 'unknown', error: errorKind(err) });
      void reply.header('retry-after', '5');
      return sendError(reply, 503, 'unavailable', 'the server is busy and stopped this request; try again in a moment');
    }
    log.error('request failed', { route: request.routeOptions.url ?? 'unknown', error: errorKind(err) });
    return sendError(reply, 500, 'internal', 'something went wrong on the server: try again, and call IT support if it happens again (the server log names the request)');
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, 'not_found', 'no such address on this server: check the URL'));
}

/** A class name and SQLSTATE, never a message: database messages can quote patient values. */
function errorKind(err: unknown): string {
  const e = err as { name?: string; code?: string };
  return [e.name ?? 'Error', e.code].filter(Boolean).join(' ');
}
