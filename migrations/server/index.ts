import type { Migration } from 'kysely';
import * as core from './2026-11-25T0100-core';
import * as clinical from './2026-11-25T0200-clinical';
import * as audit from './2026-11-25T0300-audit';
import * as fhir from './2026-11-25T2000-fhir';
import * as releases from './2026-11-25T3000-releases';
import * as sync from './2026-11-25T1000-sync';
import * as notes from './2026-11-25T4000-notes';
import * as fhirStore from './2026-12-02T1200-fhir-store';
import * as releaseScope from './2026-12-02T1100-release-scope';
import * as auditAppend from './2026-12-02T1110-audit-append';
import * as loginSource from './2026-12-02T1120-login-source';
import * as auditActorTrigger from './2026-12-02T1130-audit-actor-trigger';
import * as noteReviewChecks from './2026-12-02T1400-note-review-checks';
import * as feedByXid from './2026-12-02T1800-feed-by-xid';
import * as consoleAdmin from './2026-12-02T2100-console-admin';
import * as codeStatusSigner from './2026-12-02T2400-code-status-signer';
import * as pushAsASet from './2026-12-02T2500-push-as-a-set';
import * as auditActorOwnerFirst from './2026-12-04T0110-audit-actor-owner-first';
import * as auditChainHeadByIndex from './2026-12-04T0120-audit-chain-head-by-index';
import * as auditAppendReads from './2026-12-04T0130-audit-append-reads';
import * as pushWrapsSet from './2026-12-04T0210-push-wraps-set';
import * as draftsPatientKey from './2026-12-04T0230-drafts-patient-key';
import * as draftReferences from './2026-12-04T0240-draft-references-per-statement';
import * as observationOtherCodings from './2026-12-05T0110-observation-other-codings';
import * as patientBranchStatistics from './2026-12-05T0120-patient-branch-statistics';
import * as auditChainHeadSortFree from './2026-12-05T0130-audit-chain-head-sort-free';
import * as otherCodingsFlagGuard from './2026-12-05T0140-other-codings-flag-guard';
import * as draftsPatientIndex from './2026-12-05T0210-drafts-patient-index';
import * as pushArrays from './2026-12-05T0220-push-arrays';
import * as pushResavesAsASet from './2026-12-06T0100-push-resaves-as-a-set';
import * as feedCompaction from './2026-12-06T0110-feed-compaction';

/**
 * Every server migration, in order. Registration is explicit: add new ones at the end.
 * The part after the date is an ordering key, not a time of day: T0100–T4000 are the first build's
 * phases (core, clinical, audit, sync, FHIR, releases, notes), and later migrations use
 * T<issue>00. Names are recorded in kysely_migration, so existing ones are never renamed.
 */
export const serverMigrations: Record<string, Migration> = {
  '2026-11-25T0100-core': core,
  '2026-11-25T0200-clinical': clinical,
  '2026-11-25T0300-audit': audit,
  '2026-11-25T1000-sync': sync,
  '2026-11-25T2000-fhir': fhir,
  '2026-11-25T3000-releases': releases,
  '2026-11-25T4000-notes': notes,
  '2026-12-02T1100-release-scope': releaseScope,
  '2026-12-02T1110-audit-append': auditAppend,
  '2026-12-02T1120-login-source': loginSource,
  '2026-12-02T1130-audit-actor-trigger': auditActorTrigger,
  '2026-12-02T1200-fhir-store': fhirStore,
  '2026-12-02T1400-note-review-checks': noteReviewChecks,
  '2026-12-02T1800-feed-by-xid': feedByXid,
  '2026-12-02T2100-console-admin': consoleAdmin,
  '2026-12-02T2400-code-status-signer': codeStatusSigner,
  '2026-12-02T2500-push-as-a-set': pushAsASet,
  '2026-12-04T0110-audit-actor-owner-first': auditActorOwnerFirst,
  '2026-12-04T0120-audit-chain-head-by-index': auditChainHeadByIndex,
  '2026-12-04T0130-audit-append-reads': auditAppendReads,
  '2026-12-04T0210-push-wraps-set': pushWrapsSet,
  '2026-12-04T0230-drafts-patient-key': draftsPatientKey,
  '2026-12-04T0240-draft-references-per-statement': draftReferences,
  '2026-12-05T0110-observation-other-codings': observationOtherCodings,
  '2026-12-05T0120-patient-branch-statistics': patientBranchStatistics,
  '2026-12-05T0130-audit-chain-head-sort-free': auditChainHeadSortFree,
  '2026-12-05T0140-other-codings-flag-guard': otherCodingsFlagGuard,
  '2026-12-05T0210-drafts-patient-index': draftsPatientIndex,
  '2026-12-05T0220-push-arrays': pushArrays,
  '2026-12-06T0100-push-resaves-as-a-set': pushResavesAsASet,
  '2026-12-06T0110-feed-compaction': feedCompaction,
};
