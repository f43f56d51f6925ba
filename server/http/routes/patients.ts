import type { FastifyInstance } from 'fastify';
import { PatientQuery, type Patient, type PatientList } from '../../../contract/patient';
import { CLINICAL_ROLES } from '../../../contract/roles';
import { IdParams } from '../../../contract/server-api';
import { recordAudit } from '../../audit/record';
import { withBranch } from '../../db/with-branch';
import { findPatients, getPatient } from '../../patients/repository';
import { requireRole, requireSession } from '../authenticate';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { parseInput } from '../parse';

/** Patient reads: clinical roles only, scoped by the session's branch, each one audited. */
export function registerPatientRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/patients', async (request): Promise<PatientList> => {
    const session = await requireSession(ctx, request);
    requireRole(session, CLINICAL_ROLES);
    const query = parseInput(PatientQuery, request.query);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    const patients = await withBranch(ctx.db, session.branch.id, actor, async (trx) => {
      const found = await findPatients(trx, query.q, query.limit ?? 50);
      await recordAudit(trx, actor, {
        action: 'patient.search',
        entityType: 'patient',
        detail: { count: found.length, ids: found.map((p) => p.id) },
      });
      return found;
    });
    return { patients };
  });

  app.get('/api/patients/:id', async (request): Promise<Patient> => {
    const session = await requireSession(ctx, request);
    requireRole(session, CLINICAL_ROLES);
    const { id } = parseInput(IdParams, request.params);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    const patient = await withBranch(ctx.db, session.branch.id, actor, async (trx) => {
      const p = await getPatient(trx, id);
      if (p) await recordAudit(trx, actor, { action: 'patient.read', entityType: 'patient', entityId: p.id, patientId: p.id });
      return p;
    });
    // Another branch's patient and a missing one get the same answer.
    if (!patient) throw new HttpError(404, 'not_found', 'no such patient');
    return patient;
  });
}
