import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OmissionRef, StatementRef, type NoteAudit, type NoteReview, type SoapDraftView, type TranscribeResult } from '../../../contract/notes';
import { IdParams, OmissionParams, serverApi, StatementParams } from '../../../contract/server-api';
import { CLINICAL_ROLES, type Role } from '../../../contract/roles';
import { MAX_AUDIO_BYTES } from '../../../contract/transcription';
import type { Session } from '../../auth/sessions';
import { recordAudit } from '../../audit/record';
import { withBranch } from '../../db/with-branch';
import { addAddendum, approveNote, changeStatement, confirmNotePatient, getNoteReview, noteAudit, resolveOmission, ReviewError, type OmissionAction, type StatementChange } from '../../notes/review/review';
import { appendTranscript } from '../../notes/review/transcript';
import { transcribe } from '../../notes/transcribe';
import { requireStationUser } from './station-auth';
import { authenticateBeforeBody, requireRole, requireSession } from '../authenticate';
import { maySign, noteAuthor } from '../../notes/review/signer';
import type { BranchTransaction } from '../../db/with-branch';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { parseInput } from '../parse';

/*
 * Review and approval of SOAP drafts. Every route authenticates and checks the role first; the
 * unit of work runs in the session's branch, so another branch's note is simply not found.
 * Reading: physicians and nurses. Changing a draft, approving, addenda: physicians for a
 * progress note; for a nursing note, the nurse who wrote it (see notes/review/signer.ts).
 */

const REVIEW_STATUS: Record<ReviewError['kind'], [number, 'not_found' | 'conflict']> = {
  not_found: [404, 'not_found'],
  no_statement: [404, 'not_found'],
  no_draft: [409, 'conflict'],
  immutable: [409, 'conflict'],
  blocked: [409, 'conflict'],
  stale_hash: [409, 'conflict'],
  not_signed: [409, 'conflict'],
};

async function mapReviewErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ReviewError) {
      const [status, code] = REVIEW_STATUS[e.kind];
      throw new HttpError(status, code, e.message);
    }
    throw e;
  }
}

/** Inside the unit of work: the note must exist in the branch (else 404) and the caller may sign it (else 403). */
async function requireSigner(trx: BranchTransaction, session: Session, noteId: string): Promise<void> {
  const author = await noteAuthor(trx, noteId);
  if (!author) throw new HttpError(404, 'not_found', 'no such note');
  if (!maySign(author, session.userId, session.roles)) {
    throw new HttpError(403, 'forbidden', author.kind === 'nursing' ? 'only the nurse who wrote this nursing note can change or sign it' : 'only a physician can change or sign a progress note');
  }
}

async function caller(ctx: AppContext, request: FastifyRequest, roles: readonly Role[]): Promise<{ session: Session; actor: { kind: 'user'; id: string } }> {
  const session = await requireSession(ctx, request);
  requireRole(session, roles);
  return { session, actor: { kind: 'user', id: String(session.userId) } };
}

export function registerNoteRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(serverApi.getNoteReview.path, async (request): Promise<NoteReview> => {
    const { session, actor } = await caller(ctx, request, CLINICAL_ROLES);
    const { id } = parseInput(IdParams, request.params);
    const review = await withBranch(ctx.db, session.branch.id, actor, async (trx) => {
      const r = await getNoteReview(trx, id, { userId: session.userId });
      if (r) await recordAudit(trx, actor, { action: 'note.read', entityType: 'note_draft', entityId: id, patientId: r.patientId });
      return r;
    });
    if (!review) throw new HttpError(404, 'not_found', 'no such note');
    return review;
  });

  const statementRoute = (path: string, change: (body: unknown) => StatementChange) =>
    app.post(path, async (request): Promise<SoapDraftView> => {
      const { session, actor } = await caller(ctx, request, CLINICAL_ROLES);
      const p = parseInput(StatementParams, request.params);
      const ref = parseInput(StatementRef, { noteId: p.id, section: p.section, index: p.index });
      const c = change(request.body);
      return mapReviewErrors(() =>
        withBranch(ctx.db, session.branch.id, actor, async (trx) => {
          await requireSigner(trx, session, ref.noteId);
          return changeStatement(trx, actor, session.userId, ref, c);
        }),
      );
    });
  statementRoute(serverApi.editNoteStatement.path, (body) => {
    const { text } = parseInput(serverApi.editNoteStatement.body, body);
    return { action: 'edit', text };
  });
  statementRoute(serverApi.acceptNoteStatement.path, () => ({ action: 'accept' }));
  statementRoute(serverApi.removeNoteStatement.path, () => ({ action: 'remove' }));

  app.post(serverApi.approveNote.path, async (request): Promise<SoapDraftView> => {
    const { session, actor } = await caller(ctx, request, CLINICAL_ROLES);
    const { id } = parseInput(IdParams, request.params);
    const { contentHash } = parseInput(serverApi.approveNote.body, request.body);
    return mapReviewErrors(() =>
      withBranch(ctx.db, session.branch.id, actor, async (trx) => {
        await requireSigner(trx, session, id);
        return approveNote(trx, actor, session.userId, id, contentHash);
      }),
    );
  });

  // The checks before approval: each answers the review as it now stands.
  const checkRoute = (path: string, run: (trx: Parameters<Parameters<typeof withBranch>[3]>[0], actor: { kind: 'user'; id: string }, request: FastifyRequest) => Promise<void>) =>
    app.post(path, async (request): Promise<NoteReview> => {
      const { session, actor } = await caller(ctx, request, CLINICAL_ROLES);
      const { id } = parseInput(IdParams, request.params);
      return mapReviewErrors(() =>
        withBranch(ctx.db, session.branch.id, actor, async (trx) => {
          await requireSigner(trx, session, id);
          await run(trx, actor, request);
          const review = await getNoteReview(trx, id, { userId: session.userId });
          if (!review) throw new ReviewError('not_found', 'no such note');
          return review;
        }),
      );
    });
  const omission = (request: FastifyRequest) => {
    const p = parseInput(OmissionParams, request.params);
    return parseInput(OmissionRef, { noteId: p.id, key: p.key });
  };
  checkRoute(serverApi.addNoteOmission.path, (trx, actor, request) => {
    const ref = omission(request);
    const { section } = parseInput(serverApi.addNoteOmission.body, request.body);
    const change: OmissionAction = { action: 'add', section };
    return resolveOmission(trx, actor, ref.noteId, ref.key, change);
  });
  checkRoute(serverApi.dismissNoteOmission.path, (trx, actor, request) => {
    const ref = omission(request);
    return resolveOmission(trx, actor, ref.noteId, ref.key, { action: 'dismiss' });
  });
  checkRoute(serverApi.confirmNotePatient.path, (trx, actor, request) => confirmNotePatient(trx, actor, parseInput(IdParams, request.params).id));

  app.post(serverApi.addNoteAddendum.path, async (request, reply) => {
    const { session, actor } = await caller(ctx, request, CLINICAL_ROLES);
    const { id } = parseInput(IdParams, request.params);
    const { text } = parseInput(serverApi.addNoteAddendum.body, request.body);
    const added = await mapReviewErrors(() =>
      withBranch(ctx.db, session.branch.id, actor, async (trx) => {
        await requireSigner(trx, session, id);
        return addAddendum(trx, actor, session.userId, id, text);
      }),
    );
    return reply.status(201).send(added);
  });

  app.get(serverApi.getNoteAudit.path, async (request): Promise<NoteAudit> => {
    const { session, actor } = await caller(ctx, request, CLINICAL_ROLES);
    const { id } = parseInput(IdParams, request.params);
    const audit = await withBranch(ctx.db, session.branch.id, actor, (trx) => noteAudit(trx, id, { userId: session.userId }));
    if (!audit) throw new HttpError(404, 'not_found', 'no such note');
    return audit;
  });

  /** A dictation for a draft, from an enrolled station: transcribed here, appended as the draft's next version. */
  const dictationCaller = authenticateBeforeBody(async (request) => {
    const { station, session } = await requireStationUser(ctx, request);
    return { station, session, actor: { kind: 'user', id: String(session.userId) } as const };
  });
  app.post(serverApi.transcribeDictation.path,
    // Up to ~35 MB of base64 audio: the caller is checked first, and the body is streamed under this limit.
    { bodyLimit: Math.ceil((MAX_AUDIO_BYTES * 4) / 3) + 64 * 1024, onRequest: dictationCaller.onRequest },
    async (request): Promise<TranscribeResult> => {
      const { station, session, actor } = dictationCaller.of(request);
      const { id } = parseInput(IdParams, request.params);
      const body = parseInput(serverApi.transcribeDictation.body, request.body);
      const config = ctx.transcription ?? { provider: 'none' as const };
      if (config.provider === 'none') throw new HttpError(503, 'unavailable', 'no speech-to-text provider is configured');
      // The note must be this branch's before its audio leaves the server.
      const known = await withBranch(ctx.db, station.branchId, actor, (trx) => trx.selectFrom('note_drafts').select('id').where('id', '=', id).executeTakeFirst());
      if (!known) throw new HttpError(404, 'not_found', 'no such note');
      const result = await transcribe(Buffer.from(body.audioBase64, 'base64'), body.mime, config);
      if (!result.ok) {
        const status = result.error.kind === 'unsupported_audio' || result.error.kind === 'empty_audio' ? 400 : result.error.kind === 'too_large' ? 413 : 503;
        const code = status === 400 ? 'bad_request' : status === 413 ? 'payload_too_large' : 'unavailable';
        throw new HttpError(status, code, result.error.message);
      }
      const appended = await mapReviewErrors(() =>
        withBranch(ctx.db, station.branchId, actor, (trx) => appendTranscript(trx, actor, station, session.userId, id, body.baseVersion, result.transcript)),
      );
      return { noteId: id, version: appended.version, status: appended.status, appendedChars: result.transcript.text.length };
    },
  );
}
