import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badTextMessage, findBadText, type BadText } from '../../contract/text';
import { FhirError } from '../fhir/errors';
import { HttpError } from './errors';

/*
 * The one check of text at the server's boundary (contract/text.ts), run on every route after its
 * body is parsed and before its handler: a NUL or half a character anywhere in the path, query or
 * body is a 400 naming the field, never a database error. /fhir answers it as an OperationOutcome.
 * A push is checked per mutation instead (push-triage.ts): one bad draft is `rejected`
 * alone, and the rest of the batch is applied.
 */

const PER_ITEM_ROUTES = new Set(['/api/sync/push']);

export function badTextIn(request: FastifyRequest): BadText | null {
  const perItem = PER_ITEM_ROUTES.has(request.routeOptions.url ?? '');
  return (
    findBadText(request.params, { prefix: 'path' }) ??
    findBadText(request.query, { prefix: 'query' }) ??
    (perItem ? null : findBadText(request.body))
  );
}

export function installTextBoundary(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const bad = badTextIn(request);
    if (!bad) return;
    const message = badTextMessage(bad);
    if (request.url.startsWith('/fhir')) throw new FhirError(400, 'invalid', message);
    throw new HttpError(400, 'bad_request', message);
  });
}
