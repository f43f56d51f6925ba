import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Identifier, OperationOutcome, Resource } from '../../contract/fhir/types';
import { addApiClient } from '../admin/credentials';
import { assertValidFhir, fhirFetch, fhirFixture, type FhirFixture } from './testing/fixture';

/*
 * The official HL7 FHIR R4 examples (the hl7.fhir.r4.examples package, read at test time) of every
 * type this server serves, posted as a partner would, read back and compared with what was sent,
 * ignoring only id, meta and text: no element lost or changed. Each refusal must be a 422 naming
 * the element and the clinical rule behind it.
 *
 * The examples name their patients as Patient/<example id>; each example Patient is posted first,
 * and those references are rewritten to the id the server gave it (what a partner's interface
 * does with its own ids). The partner registers the identifier systems its Patients carry.
 */

const TYPES = ['Patient', 'Observation', 'MedicationRequest', 'ServiceRequest', 'AllergyIntolerance'] as const;

/** The clinical rules a refusal may cite (README, FHIR section). */
const RULES = [/patient of this branch/, /unknown patient/, /identifier this branch matches on/, /claims LOINC/, /claims UCUM/, /SNOMED CT concept id/];

function loadExamples(): Map<string, Resource[]> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
  const byType = new Map<string, Resource[]>(TYPES.map((t) => [t, []]));
  for (const file of readdirSync(dir).sort()) {
    const type = file.split('-')[0]!;
    if (!byType.has(type) || !file.endsWith('.json')) continue;
    const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Resource;
    if (r.resourceType === type) byType.get(type)!.push(r);
  }
  return byType;
}

/** What the comparison ignores: the elements the server owns (id, meta) and the narrative. */
function comparable(r: Resource): Record<string, unknown> {
  const { id: _id, meta: _meta, text: _text, ...rest } = r;
  void [_id, _meta, _text];
  return rest;
}

function rewritePatients(value: unknown, ids: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewritePatients(v, ids));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (k === 'reference' && typeof v === 'string') {
          const m = /^Patient\/([A-Za-z0-9.-]+)$/.exec(v);
          if (m && ids.has(m[1]!)) return [k, `Patient/${ids.get(m[1]!)}`];
        }
        return [k, rewritePatients(v, ids)];
      }),
    );
  }
  return value;
}

describe('official HL7 R4 examples round-trip', () => {
  let fx: FhirFixture;
  let token: string;
  const examples = loadExamples();

  before(async () => {
    fx = await fhirFixture(1);
    const systems = [...new Set(examples.get('Patient')!.flatMap((p) => ((p.identifier as Identifier[] | undefined) ?? []).map((i) => i.system).filter((s): s is string => !!s)))];
    token = (await addApiClient(fx.t.owner, 'north', 'HL7 examples partner', ['read:*', 'write:*'], 'test', systems)).token;
  });
  after(async () => fx.close());

  test('every example of a supported type is stored as sent or refused by a clinical rule naming the element', async (t) => {
    const patientIds = new Map<string, string>();
    const counts: Record<string, { accepted: number; refused: number }> = {};
    const refusals: string[] = [];
    for (const type of TYPES) {
      counts[type] = { accepted: 0, refused: 0 };
      for (const example of examples.get(type)!) {
        const sent = rewritePatients({ ...example, id: undefined }, patientIds) as Resource;
        delete sent.id;
        const r = await fhirFetch(fx.baseUrl, token, 'POST', `/${type}`, sent);
        if (r.status === 201) {
          counts[type].accepted++;
          assertValidFhir(r.body);
          if (type === 'Patient') patientIds.set(example.id!, r.body.id!);
          const read = await fhirFetch(fx.baseUrl, token, 'GET', `/${type}/${r.body.id}`);
          assert.equal(read.status, 200);
          assert.deepEqual(comparable(read.body), comparable(sent), `${type}/${example.id} read back as sent`);
          continue;
        }
        counts[type].refused++;
        const issue = (r.body as OperationOutcome).issue?.[0];
        assert.equal(r.status, 422, `${type}/${example.id}: ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
        assert.ok(issue?.expression?.[0]?.startsWith(`${type}.`), `${type}/${example.id}: the element is named`);
        assert.ok(RULES.some((rule) => rule.test(issue?.diagnostics ?? '')), `${type}/${example.id}: a clinical rule: ${issue?.diagnostics}`);
        refusals.push(`${type}/${example.id}: ${issue!.expression![0]}: ${issue!.diagnostics}`);
      }
    }
    t.diagnostic(`accepted and refused per type: ${JSON.stringify(counts)}`);
    for (const r of refusals) t.diagnostic(`refused ${r}`);
    const total = Object.values(counts).reduce((n, c) => n + c.accepted + c.refused, 0);
    assert.ok(total >= 146, `the package's examples were read (${total})`);
    // The four types the issue counted (146 examples) are mostly accepted; refusals are only the clinical rules above.
    assert.ok(counts.Observation!.accepted >= 40 && counts.MedicationRequest!.accepted >= 30 && counts.Patient!.accepted >= 15, JSON.stringify(counts));
  });
});
