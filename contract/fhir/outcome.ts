import type { IssueType, OperationOutcome } from './types';

/** An OperationOutcome with one issue: the only error body the FHIR API answers. */
export function operationOutcome(
  code: IssueType,
  diagnostics: string,
  severity: 'error' | 'fatal' | 'information' = 'error',
  expression?: readonly string[],
): OperationOutcome {
  const issue: OperationOutcome['issue'][number] = { severity, code, diagnostics };
  if (expression && expression.length > 0) issue.expression = [...expression];
  return { resourceType: 'OperationOutcome', issue: [issue] };
}
