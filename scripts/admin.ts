import { existsSync, mkdirSync } from 'node:fs';
import { environment } from './config';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Role } from '../contract/roles';
import { addBranch, addWard, findBranch } from '../server/admin/branches';
import { addApiClient, enrolStation, revokeApiClient, revokeStation } from '../server/admin/credentials';
import { addUser, disableUser, enableUser, setPassword, unlockUser } from '../server/admin/users';
import { checkpointKey, verifyWithCheckpoints, writeCheckpoints } from '../server/audit/checkpoint';
import { verifyAuditChains } from '../server/audit/verify';
import type { Database } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrate';
import { createKysely, createPool } from '../server/db/pool';
import { RELEASE_COMMANDS, RELEASE_OPTIONS, RELEASE_USAGE, runReleaseCommand } from './admin-releases';
import { resolveDatabase } from './database-env';
import { auditCheckpointPaths } from '../server/config';
import { asSystemDb } from '../server/db/system-db';
import { compactBranch } from '../server/sync/compact';

const USAGE = `npm run admin -- <command>
  branch add --code north --name "North Hospital"
  ward add --branch north --code n-med --name "Internal Medicine" [--beds 24]
  user add --username dr.north --display-name "Dr. A. North" --role physician --branch north --password-stdin
  user password --username dr.north --password-stdin     (ends every session of the user)
  user disable --username dr.north                       (ends every session of the user)
  user enable --username dr.north                        (a disabled user may sign in again)
  user unlock --username dr.north                        (clears the name's sign-in throttling)
  station enrol --branch north --ward n-med [--name "Ward 3 station 1"]
  station revoke --id <station id>                       (its credential, sessions and live streams end)
  client add --branch north --name "Central Lab" [--scopes read:*,write:Observation] [--identifier-system urn:oid:1.2.3 …]
  client revoke --id <client id>
  audit checkpoint     (signs every branch's chain head into AUDIT_CHECKPOINT_FILE; run it from cron)
  audit verify         (also against the checkpoints: deleted newest rows are found)
  feed compact [--branch north]   (now, rather than at the server's next round: removes superseded feed rows)
${RELEASE_USAGE}`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function need(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new Error(`--${name} is required\n\n${USAGE}`);
  return v;
}

/** Outside the database, where its owner cannot rewrite them: the data folder unless configured. */
const checkpointFile = () => auditCheckpointPaths(environment()).file;
const checkpointKeyFile = () => auditCheckpointPaths(environment()).keyFile;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      code: { type: 'string' },
      name: { type: 'string' },
      branch: { type: 'string' },
      ward: { type: 'string' },
      beds: { type: 'string' },
      username: { type: 'string' },
      'display-name': { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      scopes: { type: 'string' },
      'identifier-system': { type: 'string', multiple: true },
      id: { type: 'string' },
      ...RELEASE_OPTIONS,
    },
  });
  const command = positionals.join(' ');
  const commands = ['branch add', 'ward add', 'user add', 'user password', 'user disable', 'user enable', 'user unlock', 'station enrol', 'station revoke', 'client add', 'client revoke', 'audit verify', 'audit checkpoint', 'feed compact'];
  if (![...commands, ...RELEASE_COMMANDS].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const env = await resolveDatabase();
  const db = createKysely<Database>(createPool({ connectionString: env.ownerUrl, max: 2, applicationName: 'wardstation-admin', statementTimeoutMs: 0 }));
  try {
    await migrateToLatest(env.ownerUrl, env.appUrl || null);
    if (RELEASE_COMMANDS.includes(command)) {
      console.log(await runReleaseCommand(db, command, values, (name) => need(values, name)));
      return 0;
    }
    switch (command) {
      case 'branch add': {
        const b = await addBranch(db, need(values, 'code'), need(values, 'name'));
        console.log(`branch ${b.code} added (id ${b.id})`);
        return 0;
      }
      case 'ward add': {
        const w = await addWard(db, need(values, 'branch'), { code: need(values, 'code'), name: need(values, 'name'), beds: Number(values.beds ?? 0) });
        console.log(`ward ${values.code} added (id ${w.id})`);
        return 0;
      }
      case 'user add': {
        if (!values['password-stdin']) throw new Error('give the password on standard input with --password-stdin (never on the command line)');
        const role = Role.parse(need(values, 'role'));
        const password = await readStdin();
        const u = await addUser(db, {
          username: need(values, 'username'),
          displayName: values['display-name'] ?? need(values, 'username'),
          password,
          roles: [{ branchCode: need(values, 'branch'), role }],
        });
        console.log(u.created ? `user ${values.username} added (id ${u.id})` : `user ${values.username} exists: role ${role} in ${values.branch} granted`);
        return 0;
      }
      case 'user password': {
        if (!values['password-stdin']) throw new Error('give the new password on standard input with --password-stdin (never on the command line)');
        const r = await setPassword(db, need(values, 'username'), await readStdin());
        console.log(`password of ${values.username} changed; ${r.sessionsEnded} session(s) ended`);
        return 0;
      }
      case 'user disable': {
        const r = await disableUser(db, need(values, 'username'));
        console.log(`user ${values.username} disabled; ${r.sessionsEnded} session(s) ended`);
        return 0;
      }
      case 'user enable': {
        const r = await enableUser(db, need(values, 'username'));
        console.log(r.wasDisabled ? `user ${values.username} enabled: they may sign in again` : `user ${values.username} was not disabled; nothing changed`);
        return 0;
      }
      case 'user unlock': {
        await unlockUser(db, need(values, 'username'));
        console.log(`sign-in of ${values.username} unlocked on every station`);
        return 0;
      }
      case 'station revoke': {
        const r = await revokeStation(db, need(values, 'id'));
        console.log(`station ${values.id} revoked; ${r.sessionsEnded} session(s) ended`);
        return 0;
      }
      case 'client revoke': {
        await revokeApiClient(db, Number(need(values, 'id')));
        console.log(`API client ${values.id} revoked`);
        return 0;
      }
      case 'station enrol': {
        const s = await enrolStation(db, need(values, 'branch'), need(values, 'ward'), values.name ?? `${values.ward} station`);
        console.log(`station ${s.id} enrolled\ncredential (shown once; store it in the station's configuration):\n${s.credential}`);
        return 0;
      }
      case 'client add': {
        const scopes = (values.scopes ?? 'read:*').split(',').map((s) => s.trim()).filter(Boolean);
        const systems = values['identifier-system'] ?? [];
        const c = await addApiClient(db, need(values, 'branch'), need(values, 'name'), scopes, 'admin-cli', systems);
        const matched = systems.length > 0 ? `; its Patients are matched on ${systems.join(' ')} besides the branch MRN` : '';
        console.log(`API client ${c.id} added with scopes ${scopes.join(' ')}${matched}\nbearer token (shown once):\n${c.token}`);
        return 0;
      }
      case 'audit checkpoint': {
        mkdirSync(path.dirname(checkpointFile()), { recursive: true, mode: 0o700 });
        mkdirSync(path.dirname(checkpointKeyFile()), { recursive: true, mode: 0o700 });
        const reports = await writeCheckpoints(asSystemDb(db), checkpointFile(), checkpointKey(checkpointKeyFile()));
        for (const r of reports) console.log(`${r.branchCode}: ${r.firstBroken ? `BROKEN at row ${r.firstBroken.seq} (not checkpointed)` : `checkpointed at row ${r.head?.seq ?? 0}`}`);
        return reports.some((r) => r.firstBroken) ? 1 : 0;
      }
      case 'feed compact': {
        const branches = typeof values.branch === 'string' ? [await findBranch(db, values.branch)] : await db.selectFrom('branches').select(['id', 'code']).orderBy('id').execute();
        for (const b of branches) {
          const r = await compactBranch(asSystemDb(db), b.id, { maxWindows: Number.MAX_SAFE_INTEGER });
          console.log(`${b.code}: ${r.removed} superseded feed rows removed${r.busy ? ' (a server is compacting this branch now: run it again in a minute to finish)' : ''}`);
        }
        return 0;
      }
      case 'audit verify': {
        // Against the checkpoints when this host keeps them; the chains alone otherwise.
        const reports = existsSync(checkpointKeyFile())
          ? await verifyWithCheckpoints(asSystemDb(db), checkpointFile(), checkpointKey(checkpointKeyFile()))
          : await verifyAuditChains(asSystemDb(db));
        let broken = 0;
        for (const r of reports) {
          if (r.firstBroken) {
            broken++;
            console.log(`${r.branchCode}: BROKEN at row ${r.firstBroken.seq}: ${r.firstBroken.reason} (${r.rows} rows read)`);
          } else {
            console.log(`${r.branchCode}: intact (${r.rows} rows)`);
          }
        }
        return broken ? 1 : 0;
      }
    }
    return 2;
  } finally {
    await db.destroy();
    await env.release();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
