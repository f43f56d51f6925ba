import type { Bundle } from '../contract/fhir/types';
import type { AuthPolicy } from '../server/auth/policy';
import type { SystemDb } from '../server/db/system-db';
import { withBranch } from '../server/db/with-branch';
import { findCaller } from '../server/fhir/caller';
import { DEFAULT_FHIR_CONFIG } from '../server/fhir/config';
import { search } from '../server/fhir/interactions';
import { observationStore } from '../server/fhir/resources/observation';
import { parseSearch } from '../server/fhir/search';
import { assertValidOutput } from '../server/fhir/validate';
import type { Figure } from './lib';

/*
 * Where one FHIR search's time goes, measured one request at a time (no queueing): each phase
 * on its own, the mean over `n` requests, in milliseconds. The full HTTP request minus the
 * parts measured here is the HTTP layer (fastify, URL parsing, headers, the socket).
 */
export interface PhaseTarget {
  patient: string;
  code: string;
  token: string;
  url: string;
}

export async function searchPhases(db: SystemDb, policy: AuthPolicy, secret: Buffer, targets: PhaseTarget[], n: number): Promise<Record<string, Figure>> {
  const config = { ...DEFAULT_FHIR_CONFIG, validateOutput: false };
  const baseUrl = 'http://127.0.0.1/fhir';
  const mean = async (op: (t: PhaseTarget) => Promise<unknown>): Promise<number> => {
    for (let i = 0; i < 20; i++) await op(targets[i % targets.length]!);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await op(targets[i % targets.length]!);
    return (performance.now() - t0) / n;
  };
  const caller = async (t: PhaseTarget) => (await findCaller(db, policy, t.token))!;
  const query = (t: PhaseTarget) => new URLSearchParams({ patient: t.patient, code: t.code });
  const bundles = new Map<PhaseTarget, Bundle>();
  const c0 = await caller(targets[0]!);
  const actor = c0.actor;

  const auth = await mean(caller);
  const emptyUnit = await mean(async (t) => withBranch(db, (await caller(t)).branchId, actor, async () => {})) - auth;
  const sqlOnly =
    (await mean(async (t) => {
      const c = await caller(t);
      return withBranch(db, c.branchId, actor, (trx) => observationStore.search({ trx, config, branchCode: c.branchCode, identifierSystems: c.identifierSystems }, parseSearch('Observation', query(t)), null));
    })) -
    auth -
    emptyUnit;
  const whole =
    (await mean(async (t) => {
      const c = await caller(t);
      const o = await withBranch(db, c.branchId, c.actor, (trx) => search({ trx, caller: c, config, cursorSecret: secret, baseUrl }, 'Observation', query(t)));
      bundles.set(t, o.resource as Bundle);
    })) - auth;
  const json = await mean(async (t) => JSON.stringify(bundles.get(t)));
  const validate = await mean(async (t) => {
    for (const e of bundles.get(t)?.entry ?? []) assertValidOutput(e.resource!);
  });
  const http = await mean(async (t) => {
    const r = await fetch(t.url, { headers: { authorization: `Bearer ${t.token}`, accept: 'application/fhir+json' } });
    await r.text();
  });
  const ms = (value: number): Figure => ({ value, unit: 'ms' });
  return {
    phase_auth: ms(auth),
    phase_unit_of_work_begin_commit: ms(emptyUnit),
    phase_search_sql: ms(sqlOnly),
    phase_mapping_links_audit: ms(whole - emptyUnit - sqlOnly),
    phase_json_stringify: ms(json),
    phase_output_validation_if_on: ms(validate),
    phase_http_total: ms(http),
    phase_http_layer: ms(http - auth - whole - json),
  };
}
