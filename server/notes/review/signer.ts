import { sql } from 'kysely';
import type { Role } from '../../../contract/roles';
import type { BranchTransaction } from '../../db/with-branch';

/*
 * Who may change and sign a note. A note written by a nurse (a user who is a nurse and not a
 * physician at the note's branch) is a nursing note: the nurse who wrote it reviews and signs it,
 * under the same evidence rules. Any other note is a physician's progress note: physicians of the
 * branch review and sign it.
 */

export type NoteKind = 'progress' | 'nursing';

export interface NoteAuthor {
  authorUserId: number;
  kind: NoteKind;
}

/** The note's author and kind; null when the note is not in this branch. */
export async function noteAuthor(trx: BranchTransaction, noteId: string): Promise<NoteAuthor | null> {
  const row = await trx
    .selectFrom('note_drafts as n')
    .select(['n.author_user_id'])
    .select((eb) =>
      eb
        .selectFrom('user_branch_roles as r')
        .select(sql<Role[]>`coalesce(array_agg(r.role::text), '{}')`.as('roles'))
        .whereRef('r.user_id', '=', 'n.author_user_id')
        .whereRef('r.branch_id', '=', 'n.branch_id')
        .as('roles'),
    )
    .where('n.id', '=', noteId)
    .executeTakeFirst();
  if (!row) return null;
  const roles = (row.roles ?? []) as Role[];
  return { authorUserId: row.author_user_id, kind: roles.includes('nurse') && !roles.includes('physician') ? 'nursing' : 'progress' };
}

/** Whether this user (with these roles at the branch) may change, sign or add to this note. */
export function maySign(author: NoteAuthor, userId: number, roles: readonly Role[]): boolean {
  return author.kind === 'nursing' ? author.authorUserId === userId : roles.includes('physician');
}
