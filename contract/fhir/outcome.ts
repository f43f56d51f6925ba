import type { IssueType, OperationOutcome } from './types';

/** An OperationOutcome with one issue: the only error body the FHIR API answers. */
export function operationOutcome(code: IssueType, diagnostics: string, severity: 'error' | 'fatal' | 'information' = 'error'): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}
