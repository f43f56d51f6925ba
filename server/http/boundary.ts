import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badTextMessage, findBadText, type BadText } from '../../contract/text';
import { FhirError } from '../fhir/errors';
import { HttpError } from './errors';

/*
 * The one check of text at the server's boundary (contract/text.ts), run on every route after its
 * body is parsed and before its handler: a NUL or half a character anywhere in the path, query or
 * body is a 400 naming the field, never a database error. /fhir answers it as an OperationOutcome.
 * A push is checked per mutation instead (push-triage.ts): one bad draft is `rejected`
 * alone, and the rest of the batch is applied. Addenda and statement edits are typed clinical
 * text: cleaned by their route instead (CLEANED_BODY_FIELDS).
 */

const PER_ITEM_ROUTES = new Set(['/api/sync/push']);

/**
 * Clinical text a person typed, which the route makes storable with cleanClinicalText and reports
 * as `cleaned` (as the station does for drafts), instead of refusing: addenda and statement edits.
 */
export const CLEANED_BODY_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  '/api/notes/:id/addenda': new Set(['text']),
  '/api/notes/:id/statements/:section/:index/edit': new Set(['text']),
};

export function badTextIn(request: FastifyRequest): BadText | null {
  const route = request.routeOptions.url ?? '';
  const perItem = PER_ITEM_ROUTES.has(route);
  const cleanedLater = CLEANED_BODY_FIELDS[route];
  return (
    findBadText(request.params, { prefix: 'path' }) ??
    findBadText(request.query, { prefix: 'query' }) ??
    (perItem ? null : findBadText(request.body, cleanedLater ? { cleanedLater } : {}))
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
