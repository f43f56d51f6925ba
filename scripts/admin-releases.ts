import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { FlagValue } from '../contract/flags';
import { Platform, type ReleaseFile } from '../contract/releases';
import type { Database } from '../server/db/database';
import { setFlag } from '../server/flags/flags';
import { withBranch } from '../server/db/with-branch';
import { addRing, changeRollout, moveRollout, publishRelease } from '../server/releases/actions';
import { asSystemDb } from '../server/db/system-db';

/* The admin CLI's release, ring, rollout and flag commands (scripts/admin.ts dispatches here). */

export const RELEASE_USAGE = `  release publish --channel stable --version 1.2.0 --file linux=dist/release/WardStation-1.2.0-linux-x64.deb [--file win=…] [--base-url files/] [--notes "…"]
  ring add --channel stable --name pilot --position 1 --kind stations --stations <id>,<id>
  ring add --channel stable --name north-wards --position 2 --kind wards --branch north --wards n-med,n-icu
  ring add --channel stable --name north-25 --position 3 --kind percent --branch north --percent 25
  ring add --channel stable --name everyone --position 4 --kind everyone
  rollout move --channel stable --version 1.2.0 --ring pilot
  rollout pause|resume|rollback --channel stable --version 1.2.0
  flag set --branch north --key dictation.enabled --enabled true [--value beta]`;

export const RELEASE_COMMANDS = ['release publish', 'ring add', 'rollout move', 'rollout pause', 'rollout resume', 'rollout rollback', 'flag set'];

export const RELEASE_OPTIONS = {
  channel: { type: 'string' },
  version: { type: 'string' },
  file: { type: 'string', multiple: true },
  'base-url': { type: 'string' },
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

async function sha512Of(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

/** `platform=path`: the artifact is hashed here; the feed names it under the base URL. */
async function releaseFile(spec: string, baseUrl: string): Promise<ReleaseFile> {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new Error(`--file ${spec}: expected platform=path (platform: win, linux or mac)`);
  const platform = Platform.parse(spec.slice(0, eq));
  const file = spec.slice(eq + 1);
  return { platform, url: `${baseUrl}${encodeURIComponent(path.basename(file))}`, sha512: await sha512Of(file), size: statSync(file).size };
}

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

export async function runReleaseCommand(owner: Kysely<Database>, command: string, values: Record<string, unknown>, need: (name: string) => string): Promise<string> {
  const db = asSystemDb(owner);
  switch (command) {
    case 'release publish': {
      const specs = (values.file as string[] | undefined) ?? [];
      if (specs.length === 0) throw new Error('--file platform=path is required');
      const baseUrl = typeof values['base-url'] === 'string' ? values['base-url'] : 'files/';
      const files = await Promise.all(specs.map((s) => releaseFile(s, baseUrl)));
      const r = await publishRelease(db, ACTOR, { channel: need('channel'), version: need('version'), notes: typeof values.notes === 'string' ? values.notes : '', files });
      return `release ${values.version} published on ${values.channel} (id ${r.id}, ${files.length} files)`;
    }
    case 'ring add': {
      const r = await addRing(db, ACTOR, {
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
      const r = await moveRollout(db, ACTOR, { channel: need('channel'), version: need('version'), ring: need('ring') });
      return `rollout of ${values.version} reaches ring ${values.ring} (position ${r.position})`;
    }
    case 'rollout pause':
    case 'rollout resume':
    case 'rollout rollback': {
      const action = command.split(' ')[1] as 'pause' | 'resume' | 'rollback';
      const r = await changeRollout(db, ACTOR, action, { channel: need('channel'), version: need('version') });
      return `rollout of ${values.version}: ${r.state}`;
    }
    case 'flag set': {
      const enabled = need('enabled');
      if (enabled !== 'true' && enabled !== 'false') throw new Error('--enabled is true or false');
      const value = typeof values.value === 'string' ? FlagValue.parse(values.value) : undefined;
      const branch = await db.selectFrom('branches').select('id').where('code', '=', need('branch')).executeTakeFirst();
      if (!branch) throw new Error(`no branch ${values.branch}`);
      const input = { enabled: enabled === 'true', ...(value !== undefined ? { value } : {}) };
      await withBranch(db, branch.id, ACTOR, (trx) => setFlag(trx, branch.id, ACTOR, need('key'), input));
      return `flag ${values.key} in ${values.branch}: ${enabled}`;
    }
  }
  throw new Error(`unknown command ${command}`);
}
