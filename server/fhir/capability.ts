import { SUPPORTED_TYPES, type Resource, type SupportedType } from '../../contract/fhir/types';
import { INCLUDES, SEARCH_PARAMS, type ParamType } from './search';

/*
 * The CapabilityStatement lists exactly what the routes serve. It is derived from the same search
 * table the parser uses, so the two cannot disagree. DocumentReference carries signed notes.
 */

const INTERACTIONS: Record<SupportedType, string[]> = {
  Patient: ['read', 'search-type', 'create', 'update'],
  Observation: ['read', 'search-type', 'create'],
  MedicationRequest: ['read', 'search-type', 'create'],
  ServiceRequest: ['read', 'search-type', 'create'],
  AllergyIntolerance: ['read', 'search-type', 'create'],
  // Signed notes: created only by a physician's approval (server/notes/review), never through FHIR.
  DocumentReference: ['read', 'search-type'],
};

const PARAM_DEFINITIONS: Record<string, string> = {
  _id: 'http://hl7.org/fhir/SearchParameter/Resource-id',
  _lastUpdated: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
};

export function capabilityStatement(): Resource {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-25',
    publisher: 'Hospital OS',
    kind: 'instance',
    software: { name: 'Hospital OS Ward Workstation server' },
    implementation: { description: 'Branch-scoped FHIR R4 API: every interaction runs under the caller’s branch' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          description:
            'Bearer tokens: station user sessions, or API clients bound to one branch with scopes such as read:Patient and write:Observation.',
        },
        resource: SUPPORTED_TYPES.map((type) => ({
          type,
          interaction: INTERACTIONS[type].map((code) => ({ code })),
          versioning: 'versioned',
          readHistory: false,
          updateCreate: false,
          conditionalCreate: INTERACTIONS[type].includes('create'),
          conditionalUpdate: false,
          conditionalDelete: 'not-supported',
          ...(INTERACTIONS[type].includes('update') ? { conditionalRead: 'not-supported' } : {}),
          searchInclude: [...(INCLUDES[type] ?? [])],
          searchParam: Object.entries(SEARCH_PARAMS[type]).map(([name, t]: [string, ParamType]) => ({
            name,
            type: t,
            ...(PARAM_DEFINITIONS[name] ? { definition: PARAM_DEFINITIONS[name] } : {}),
          })),
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}
