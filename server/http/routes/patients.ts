import type { FastifyInstance } from 'fastify';
import { PatientQuery, type Patient, type PatientList } from '../../../contract/patient';
import { CLINICAL_ROLES } from '../../../contract/roles';
import { IdParams, serverApi } from '../../../contract/server-api';
import { recordReadAudit } from '../../audit/record';
import { withBranchRead } from '../../db/read-replica';
import { findPatients, getPatient } from '../../patients/repository';
import { requireRole, requireSession } from '../authenticate';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { parseInput } from '../parse';

/** Patient reads: clinical roles only, scoped by the session's branch, each one audited. */
export function registerPatientRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(serverApi.listPatients.path, async (request): Promise<PatientList> => {
    const session = await requireSession(ctx, request);
    requireRole(session, CLINICAL_ROLES);
    const query = parseInput(PatientQuery, request.query);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    // On the read replica when there is one; the audit row is written on the primary first.
    const patients = await withBranchRead(ctx, session.branch.id, actor, async (trx) => {
      const found = await findPatients(trx, query.q, query.limit ?? 50);
      recordReadAudit(trx, actor, {
        action: 'patient.search',
        entityType: 'patient',
        detail: { count: found.length, ids: found.map((p) => p.id) },
      });
      return found;
    });
    return { patients };
  });

  app.get(serverApi.getPatient.path, async (request): Promise<Patient> => {
    const session = await requireSession(ctx, request);
    requireRole(session, CLINICAL_ROLES);
    const { id } = parseInput(IdParams, request.params);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    // A patient the replica has not replayed yet (admitted a moment ago) is looked up on the primary.
    const patient = await withBranchRead(
      ctx,
      session.branch.id,
      actor,
      async (trx) => {
        const p = await getPatient(trx, id);
        if (p) recordReadAudit(trx, actor, { action: 'patient.read', entityType: 'patient', entityId: p.id, patientId: p.id });
        return p;
      },
      (p) => !p,
    );
    // Another branch's patient and a missing one get the same answer.
    if (!patient) throw new HttpError(404, 'not_found', 'no such patient');
    return patient;
  });
}
