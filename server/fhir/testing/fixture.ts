import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Bundle, Resource } from '../../../contract/fhir/types';
import { addApiClient } from '../../admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../../auth/policy';
import { buildServer } from '../../http/app';
import { silentLogger } from '../../log';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../../testing/test-db';
import type { FhirConfig } from '../config';
import { resourceProblems } from '../validate';

/** A migrated database with two branches, API clients of each, and a real server listening on port 0. */
export interface FhirFixture {
  t: TestDatabase;
  f: TwoBranches;
  app: FastifyInstance;
  baseUrl: string;
  tokens: { northLab: string; southLab: string; northReadOnly: string; drNorth: string; itAdmin: string };
  mrnSystem: (branch: 'north' | 'south') => string;
  nationalIdSystem: string;
  close(): Promise<void>;
}

export async function fhirFixture(patientsPerBranch = 5, fhir?: FhirConfig): Promise<FhirFixture> {
  const t = await createTestDatabase({ appPoolSize: 6 });
  const f = await twoBranches(t.owner, patientsPerBranch);
  const northLab = (await addApiClient(t.owner, 'north', 'Central Lab', ['read:*', 'write:*'])).token;
  const southLab = (await addApiClient(t.owner, 'south', 'South Lab', ['read:*', 'write:*'])).token;
  const northReadOnly = (await addApiClient(t.owner, 'north', 'Registry', ['read:Patient'])).token;
  const policy = { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 10_000 };
  const { app } = await buildServer({ db: t.app, policy, log: silentLogger }, fhir ? { fhir } : {});
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const origin = `http://127.0.0.1:${port}`;
  const login = async (username: string, branch: string) => {
    const r = await fetch(`${origin}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: TEST_PASSWORD, branch }),
    });
    assert.equal(r.status, 200);
    return ((await r.json()) as { token: string }).token;
  };
  return {
    t,
    f,
    app,
    baseUrl: `${origin}/fhir`,
    tokens: { northLab, southLab, northReadOnly, drNorth: await login('dr.north', 'north'), itAdmin: await login('it.admin', 'north') },
    mrnSystem: (b) => `urn:wardstation:branch:${b}:mrn`,
    nationalIdSystem: 'urn:wardstation:national-id',
    async close() {
      await app.close();
      await t.close();
    },
  };
}

/** Asserts that a resource the server returned is valid FHIR R4, entries of a Bundle included. */
export function assertValidFhir(resource: unknown): void {
  assert.deepEqual(resourceProblems(resource), [], JSON.stringify(resource).slice(0, 400));
  const bundle = resource as Bundle;
  if (bundle.resourceType === 'Bundle') for (const e of bundle.entry ?? []) if (e.resource) assertValidFhir(e.resource);
}

/** A raw request to the FHIR API, returning status, headers and the parsed body. */
export async function fhirFetch(
  baseUrl: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Resource }> {
  const h: Record<string, string> = { accept: 'application/fhir+json', ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined && !h['content-type']) h['content-type'] = 'application/fhir+json';
  const r = await fetch(`${baseUrl}${path}`, { method, headers: h, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: JSON.parse(text) as Resource };
}

export function labObservation(subject: object, loinc = '2345-7', value = 98, extra: Record<string, unknown> = {}): Resource {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
    subject,
    effectiveDateTime: '2026-11-20T08:30:00Z',
    valueQuantity: { value, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
    referenceRange: [{ low: { value: 70, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' }, high: { value: 99, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' } }],
    interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N' }] }],
    ...extra,
  };
}
