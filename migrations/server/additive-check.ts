/*
 * Migrations are additive only (DESIGN §7): the previous release must keep working against the
 * new schema during a blue-green switch, and a station's previous version must open a database
 * the newer one migrated. This finds statements that would break that.
 */

const DESTRUCTIVE: { pattern: RegExp; what: string }[] = [
  { pattern: /\bDROP\s+(TABLE|COLUMN|VIEW|SCHEMA|TYPE|INDEX|FUNCTION|TRIGGER|POLICY|SEQUENCE)\b/i, what: 'drops' },
  { pattern: /\bRENAME\s+(COLUMN\s+|CONSTRAINT\s+)?\w*\s*TO\b/i, what: 'renames' },
  { pattern: /\bRENAME\s+TO\b/i, what: 'renames' },
  { pattern: /\bALTER\s+(COLUMN\s+)?\w+\s+(SET\s+DATA\s+)?TYPE\b/i, what: 'changes a type' },
  { pattern: /\bTRUNCATE\s+(?!ON\b)(TABLE\s+)?["\w]/i, what: 'truncates' },
  { pattern: /\bDELETE\s+FROM\b/i, what: 'deletes rows' },
  { pattern: /\.(dropTable|dropColumn|dropView|dropSchema|dropType|dropIndex|renameTo|renameColumn|setDataType)\s*\(/, what: 'drops, renames or retypes (Kysely schema builder)' },
  { pattern: /\bALTER\s+COLUMN\s+\w+\s+SET\s+NOT\s+NULL\b/i, what: 'tightens a column the previous release may leave empty' },
];

/**
 * Statements reviewed one at a time, each exact: a plain (not unique) index that no query of this
 * or the previous release uses (dropping it changes no answer and no constraint, only plans), and
 * the feed compaction's delete of earlier states (every puller still reaches each entity's
 * present state). The previous release works against the new schema as it did before. Anything
 * else that drops or deletes is still refused.
 */
const PERMITTED: { statement: string; why: string }[] = [
  {
    statement: 'await sql`DROP INDEX IF EXISTS note_drafts_patient`.execute(db);',
    why: 'note_drafts (branch_id, patient_id, updated_at): no query reads drafts by patient (migration 2026-12-05T0210)',
  },
  {
    statement: 'DELETE FROM change_feed f USING keeper p',
    why: "change_feed_compact (server/sync/sql/feed.sql, installed by migration 2026-12-06T0110): removes only feed rows of an entity other than the one holding its present state; a puller of either release gets the entity's present state from that row",
  },
];

export interface Finding {
  line: number;
  what: string;
  text: string;
}

/** Statements of an `up` migration that are not additive. Comments are ignored; `down` may do anything (it only throws). */
export function findNonAdditive(source: string): Finding[] {
  const upStart = source.search(/export\s+async\s+function\s+up\b/);
  const downStart = source.search(/export\s+async\s+function\s+down\b/);
  const lines = source.split('\n');
  const findings: Finding[] = [];
  let offset = 0;
  lines.forEach((text, i) => {
    const start = offset;
    offset += text.length + 1;
    if (upStart >= 0 && start < upStart) return;
    if (downStart >= 0 && start >= downStart && (upStart < 0 || downStart > upStart)) return;
    if (PERMITTED.some((p) => p.statement === text.trim())) return;
    const code = text.replace(/\/\/.*$/, '').replace(/--.*$/, '');
    for (const d of DESTRUCTIVE) {
      if (d.pattern.test(code)) findings.push({ line: i + 1, what: d.what, text: text.trim() });
    }
  });
  return findings;
}
