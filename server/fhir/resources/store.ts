import type { Resource, SupportedType } from '../../../contract/fhir/types';
import type { BranchTransaction } from '../../db/with-branch';
import type { FhirConfig } from '../config';
import type { CursorPosition } from '../cursor';
import type { SearchRequest } from '../search';

/** What a resource module needs: the branch-bound transaction and the systems of the caller's branch. */
export interface StoreContext {
  trx: BranchTransaction;
  config: FhirConfig;
  branchCode: string;
  /** Patient identifier systems the caller (an API client) registered for its branch, besides the MRN. */
  identifierSystems: readonly string[];
}

export interface SearchPage {
  resources: Resource[];
  /** Where the next page starts, or null on the last page. */
  next: CursorPosition | null;
}

/**
 * One module per resource type maps FHIR to and from our own tables. The handlers see only this
 * interface: no SQL, no HTTP. There is no branch filter anywhere below: row-level security scopes
 * every statement to the branch withBranch bound.
 */
export interface ResourceStore {
  type: SupportedType;
  read(c: StoreContext, id: string): Promise<Resource | null>;
  search(c: StoreContext, req: SearchRequest, after: CursorPosition | null): Promise<SearchPage>;
  count(c: StoreContext, req: SearchRequest): Promise<number>;
  create(c: StoreContext, resource: Resource): Promise<Resource>;
  /** Absent for types that are read and create only. `expectedVersion` comes from If-Match. */
  update?(c: StoreContext, id: string, resource: Resource, expectedVersion: number | null): Promise<Resource>;
  /** The patient ids a resource refers to (for _include and the audit trail). */
  patientIds(resource: Resource): string[];
}
