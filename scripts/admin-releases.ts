import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { environment } from './config';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { FeatureFlagValue } from '../contract/flags';
import { Platform, releaseSignatureMessage } from '../contract/releases';
import type { Database } from '../server/db/database';
import { setFlag } from '../server/flags/flags';
import { withBranch } from '../server/db/with-branch';
import { addRing, changeRollout, moveRollout, publishRelease, type ReleaseAuthority } from '../server/releases/actions';
import { digestArtifact, releasePublicKey, storeArtifact } from '../server/releases/artifacts';
import { asSystemDb, type SystemDb } from '../server/db/system-db';

/* The admin CLI's release, ring, rollout and flag commands (scripts/admin.ts dispatches here). */

export const RELEASE_USAGE = `  release upload --file dist/release/WardStation-1.2.0-linux-x64.deb          (into UPDATE_FILES_DIR, the server's artifact store)
  release publish --channel stable --version 1.2.0 --file linux=dist/release/WardStation-1.2.0-linux-x64.deb [--file win=…] --signing-key release-key.pem [--notes "…"]
      (uploads each file, signs it with the Ed25519 private key; or env WARDSTATION_RELEASE_SIGNING_KEY=path)
  ring add --channel stable --name pilot --position 1 --kind stations --stations <id>,<id>
  ring add --channel stable --name north-wards --position 2 --kind wards --branch north --wards n-med,n-icu
  ring add --channel stable --name north-25 --position 3 --kind percent --branch north --percent 25
  ring add --channel stable --name everyone --position 4 --kind everyone
  rollout move --channel stable --version 1.2.0 --ring pilot (--branch north | --group)
  rollout pause|resume|rollback --channel stable --version 1.2.0 (--branch north | --group)
  flag set --branch north --key dictation.enabled --enabled true [--value beta]`;

export const RELEASE_COMMANDS = ['release upload', 'release publish', 'ring add', 'rollout move', 'rollout pause', 'rollout resume', 'rollout rollback', 'flag set'];

export const RELEASE_OPTIONS = {
  channel: { type: 'string' },
  version: { type: 'string' },
  file: { type: 'string', multiple: true },
  'signing-key': { type: 'string' },
  group: { type: 'boolean' },
  notes: { type: 'string' },
  position: { type: 'string' },
  kind: { type: 'string' },
  stations: { type: 'string' },
  wards: { type: 'string' },
  percent: { type: 'string' },
  ring: { type: 'string' },
  key: { type: 'string' },
  enabled: { type: 'string' },
  value: { type: 'string' },
} as const;

const ACTOR = { kind: 'admin', id: 'admin-cli' } as const;

/** The CLI runs with the database owner's rights: every branch, and the group when asked for. */
const CLI_AUTHORITY = async (db: SystemDb): Promise<ReleaseAuthority> => ({
  branchIds: (await db.selectFrom('branches').select('id').execute()).map((b) => b.id),
  group: true,
});

/** A rollout command acts in one branch or, said explicitly, in the whole group. */
function scopeOf(values: Record<string, unknown>): string {
  if (values.group === true && typeof values.branch === 'string') throw new Error('give --branch or --group, not both');
  if (values.group === true) return 'group';
  if (typeof values.branch === 'string') return values.branch;
  throw new Error('say where the rollout acts: --branch <code> for one branch, or --group for every branch');
}

function storeDir(): string {
  const dir = environment().UPDATE_FILES_DIR;
  if (!dir) throw new Error("set UPDATE_FILES_DIR to the server's artifact store folder");
  return dir;
}

function signingKey(values: Record<string, unknown>): KeyObject {
  const file = typeof values['signing-key'] === 'string' ? values['signing-key'] : environment().WARDSTATION_RELEASE_SIGNING_KEY;
  if (!file) throw new Error('give the release signing key (Ed25519 private key, PEM) with --signing-key FILE or WARDSTATION_RELEASE_SIGNING_KEY');
  const key = createPrivateKey(readFileSync(file));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
  return key;
}

async function upload(file: string): Promise<string> {
  const name = path.basename(file);
  await storeArtifact(storeDir(), name, createReadStream(file));
  return name;
}

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

export async function runReleaseCommand(owner: Kysely<Database>, command: string, values: Record<string, unknown>, need: (name: string) => string): Promise<string> {
  const db = asSystemDb(owner);
  switch (command) {
    case 'release upload': {
      const specs = (values.file as string[] | undefined) ?? [];
      if (specs.length === 0) throw new Error('--file path is required');
      const names = [];
      for (const f of specs) names.push(await upload(f));
      return `uploaded ${names.join(', ')}`;
    }
    case 'release publish': {
      const specs = (values.file as string[] | undefined) ?? [];
      if (specs.length === 0) throw new Error('--file platform=path is required');
      const version = need('version');
      const key = signingKey(values);
      const dir = storeDir();
      const files = [];
      for (const spec of specs) {
        const eq = spec.indexOf('=');
        if (eq < 0) throw new Error(`--file ${spec}: expected platform=path (platform: win, linux or mac)`);
        const platform = Platform.parse(spec.slice(0, eq));
        const name = await upload(spec.slice(eq + 1));
        const digest = await digestArtifact(dir, name);
        if (!digest) throw new Error(`${spec.slice(eq + 1)} is empty`);
        const signature = sign(null, Buffer.from(releaseSignatureMessage(version, name, digest.sha512), 'utf8'), key).toString('base64');
        files.push({ platform, name, signature });
      }
      const configured = environment().WARDSTATION_RELEASE_PUBLIC_KEY;
      const publicKey = configured ? releasePublicKey(readFileSync(configured)) : createPublicKey(key);
      const r = await publishRelease(
        db,
        ACTOR,
        await CLI_AUTHORITY(db),
        { channel: need('channel'), version, notes: typeof values.notes === 'string' ? values.notes : '', files },
        { dir, publicKey },
      );
      return `release ${version} published on ${values.channel} (id ${r.id}, ${files.length} signed files)`;
    }
    case 'ring add': {
      const r = await addRing(db, ACTOR, await CLI_AUTHORITY(db), {
        channel: need('channel'),
        name: need('name'),
        position: Number(need('position')),
        kind: need('kind') as 'stations',
        ...(typeof values.branch === 'string' ? { branch: values.branch } : {}),
        ...(list(values.stations) ? { stationIds: list(values.stations)! } : {}),
        ...(list(values.wards) ? { wardCodes: list(values.wards)! } : {}),
        ...(typeof values.percent === 'string' ? { percent: Number(values.percent) } : {}),
      });
      return `ring ${values.name} added at position ${values.position} (id ${r.id})`;
    }
    case 'rollout move': {
      const r = await moveRollout(db, ACTOR, await CLI_AUTHORITY(db), { channel: need('channel'), version: need('version'), ring: need('ring'), scope: scopeOf(values) });
      return `rollout of ${values.version} reaches ring ${values.ring} (position ${r.position})`;
    }
    case 'rollout pause':
    case 'rollout resume':
    case 'rollout rollback': {
      const action = command.split(' ')[1] as 'pause' | 'resume' | 'rollback';
      const r = await changeRollout(db, ACTOR, await CLI_AUTHORITY(db), action, { channel: need('channel'), version: need('version'), scope: scopeOf(values) });
      return `rollout of ${values.version}: ${r.state}`;
    }
    case 'flag set': {
      const enabled = need('enabled');
      if (enabled !== 'true' && enabled !== 'false') throw new Error('--enabled is true or false');
      const value = typeof values.value === 'string' ? FeatureFlagValue.parse(values.value) : undefined;
      const branch = await db.selectFrom('branches').select('id').where('code', '=', need('branch')).executeTakeFirst();
      if (!branch) throw new Error(`there is no branch ${values.branch}: use a branch code such as north or south`);
      const input = { enabled: enabled === 'true', ...(value !== undefined ? { value } : {}) };
      await withBranch(db, branch.id, ACTOR, (trx) => setFlag(trx, branch.id, ACTOR, need('key'), input));
      return `flag ${values.key} in ${values.branch}: ${enabled}`;
    }
  }
  throw new Error(`unknown command ${command}: the commands are\n${RELEASE_USAGE}`);
}
