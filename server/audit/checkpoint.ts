import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { SystemDb } from '../db/system-db';
import { withBranch } from '../db/with-branch';
import { verifyAuditChains, type ChainReport } from './verify';

/*
 * Checkpoints of the audit chains, outside the database: every branch's chain head (seq and
 * hash), signed with the server's Ed25519 key and appended to a file the database owner cannot
 * rewrite (opened append-only here; on a production host make it `chattr +a` or ship the lines
 * to an outside log). A chain that later ends before a checkpointed row, or holds another hash at
 * that row, lost its newest rows: `audit verify` says so, which the chain alone cannot show.
 */

export interface Checkpoint {
  at: string;
  /** The database's name: one file may serve several databases (and test runs) safely. */
  database: string;
  branch: string;
  seq: string;
  hash: string;
  sig: string;
}

const message = (c: Omit<Checkpoint, 'sig'>) => Buffer.from(`wardstation-audit-checkpoint-v1\n${c.at}\n${c.database}\n${c.branch}\n${c.seq}\n${c.hash}`, 'utf8');

async function databaseName(db: SystemDb): Promise<string> {
  return (await sql<{ name: string }>`SELECT current_database() AS name`.execute(db)).rows[0]!.name;
}

/** The server's checkpoint key (PEM, PKCS8 Ed25519), created 0600 on first use. */
export function checkpointKey(file: string): KeyObject {
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return createPrivateKey(readFileSync(file));
}

/** Verifies every chain and appends one signed checkpoint line per intact branch. */
export async function writeCheckpoints(db: SystemDb, file: string, key: KeyObject, now = new Date()): Promise<ChainReport[]> {
  const reports = await verifyAuditChains(db);
  const database = await databaseName(db);
  const lines: string[] = [];
  for (const r of reports) {
    if (r.firstBroken || !r.head) continue;
    const c = { at: now.toISOString(), database, branch: r.branchCode, seq: r.head.seq, hash: r.head.hash };
    lines.push(JSON.stringify({ ...c, sig: sign(null, message(c), key).toString('base64') }));
  }
  if (lines.length) appendFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'a' });
  return reports;
}

/** The newest validly signed checkpoint of each branch in the file (lines that do not verify are ignored). */
export function readCheckpoints(file: string, publicKey: KeyObject, database: string): Map<string, Checkpoint> {
  const out = new Map<string, Checkpoint>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let c: Checkpoint;
    try {
      c = JSON.parse(line) as Checkpoint;
    } catch {
      continue;
    }
    const { sig, ...rest } = c;
    if (c.database !== database) continue;
    if (typeof sig !== 'string' || !verify(null, message(rest), publicKey, Buffer.from(sig, 'base64'))) continue;
    const prev = out.get(c.branch);
    if (!prev || BigInt(c.seq) >= BigInt(prev.seq)) out.set(c.branch, c);
  }
  return out;
}

/**
 * Chains verified against the checkpoints: a chain shorter than its branch's checkpoint, or
 * holding another hash at the checkpointed row, is reported broken.
 */
export async function verifyWithCheckpoints(db: SystemDb, file: string, key: KeyObject): Promise<ChainReport[]> {
  const reports = await verifyAuditChains(db);
  const checkpoints = readCheckpoints(file, createPublicKey(key), await databaseName(db));
  for (const r of reports) {
    const c = checkpoints.get(r.branchCode);
    if (!c || r.firstBroken) continue;
    const headSeq = r.head ? BigInt(r.head.seq) : 0n;
    if (headSeq < BigInt(c.seq)) {
      r.firstBroken = { seq: String(headSeq + 1n), reason: `rows ${headSeq + 1n}..${c.seq} are missing: the checkpoint of ${c.at} saw the chain reach row ${c.seq}` };
      continue;
    }
    // The checkpointed row must still hold the signed hash: a chain rebuilt from there on fails.
    const row = await withBranch(db, r.branchId, { kind: 'admin', id: 'audit-verify' }, (trx) =>
      trx.selectFrom('audit_events').select('hash').where('branch_id', '=', r.branchId).where('seq', '=', c.seq).executeTakeFirst(),
    );
    if (row?.hash !== c.hash) {
      r.firstBroken = { seq: c.seq, reason: `row ${c.seq} does not hold the hash the checkpoint of ${c.at} signed` };
    }
  }
  return reports;
}

export interface CheckpointStatus {
  branchId: number;
  branchCode: string;
  /** The chain's newest row now. */
  head: { seq: string; at: string } | null;
  checkpoint: Checkpoint | null;
  /** null without a checkpoint; false when the chain lost or rewrote rows the checkpoint saw. */
  matches: boolean | null;
  reason: string | null;
}

/**
 * The newest checkpoint of each given branch against its chain now, for the console: cheap (two
 * indexed reads per branch), unlike `audit verify`, which recomputes every hash. It finds what a
 * checkpoint adds: newest rows deleted (the chain ends before the checkpointed row) and a chain
 * rebuilt past it (that row holds another hash). Without the key file there is nothing to read.
 */
export async function checkpointStatus(db: SystemDb, file: string, keyFile: string, branchIds: readonly number[]): Promise<CheckpointStatus[]> {
  const publicKey = existsSync(keyFile) ? createPublicKey(createPrivateKey(readFileSync(keyFile))) : null;
  const checkpoints = publicKey ? readCheckpoints(file, publicKey, await databaseName(db)) : new Map<string, Checkpoint>();
  const branches = branchIds.length ? await db.selectFrom('branches').select(['id', 'code']).where('id', 'in', [...branchIds]).orderBy('code').execute() : [];
  const out: CheckpointStatus[] = [];
  for (const b of branches) {
    const c = checkpoints.get(b.code) ?? null;
    const { head, atCheckpoint } = await withBranch(db, b.id, { kind: 'admin', id: 'audit-checkpoint' }, async (trx) => {
      const headRow = await trx
        .selectFrom('audit_events')
        .select([sql<string>`seq::text`.as('seq'), 'at'])
        .where('branch_id', '=', b.id)
        // The table's bigint seq (the selected alias is its text): "9" sorts after "27".
        .orderBy('audit_events.seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      const row = c ? await trx.selectFrom('audit_events').select('hash').where('branch_id', '=', b.id).where('seq', '=', c.seq).executeTakeFirst() : undefined;
      return { head: headRow ? { seq: headRow.seq, at: new Date(headRow.at).toISOString() } : null, atCheckpoint: row };
    });
    let matches: boolean | null = null;
    let reason: string | null = null;
    if (c) {
      const headSeq = head ? BigInt(head.seq) : 0n;
      if (headSeq < BigInt(c.seq)) {
        matches = false;
        reason = `rows ${headSeq + 1n}..${c.seq} are missing: the checkpoint of ${c.at} saw the chain reach row ${c.seq}`;
      } else if (atCheckpoint?.hash !== c.hash) {
        matches = false;
        reason = `row ${c.seq} does not hold the hash the checkpoint of ${c.at} signed`;
      } else {
        matches = true;
      }
    }
    out.push({ branchId: b.id, branchCode: b.code, head, checkpoint: c, matches, reason });
  }
  return out;
}
