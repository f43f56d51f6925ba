import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PROJECT_ROOT, startServerProcess, type ServerProcess } from '../server/testing/server-process';
import { TEST_PASSWORD, twoBranches } from '../server/testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../server/testing/test-db';

/*
 * Blue-green needs the previous release's server to run against the schema the current code
 * migrated (the old instances keep serving while the new ones start). The previous release is
 * PREVIOUS_RELEASE_REF, else the newest v* tag, else, while the project has no release tag,
 * the first commit that has the server (the oldest server code: the strictest check).
 */

const git = (...args: string[]) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();

function previousRelease(): { ref: string; why: string } | null {
  try {
    if (process.env.PREVIOUS_RELEASE_REF) return { ref: process.env.PREVIOUS_RELEASE_REF, why: 'PREVIOUS_RELEASE_REF' };
    const tag = git('tag', '--list', 'v*', '--merged', 'HEAD', '--sort=-v:refname').split('\n')[0];
    if (tag) return { ref: tag, why: 'newest release tag' };
    const first = git('log', '--diff-filter=A', '--format=%H', '--reverse', '--', 'server/main.ts').split('\n')[0];
    return first ? { ref: first, why: 'first commit with the server (no release tag yet)' } : null;
  } catch {
    return null;
  }
}

const previous = previousRelease();

describe('the previous release\'s server against the current schema', { skip: previous ? false : 'not a git checkout: no previous release to run' }, () => {
  let t: TestDatabase;
  let dir: string;
  let old: ServerProcess;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ws-previous-release-'));
    execFileSync('sh', ['-c', `git archive --format=tar "$REF" | tar -x -C "$DIR"`], { cwd: PROJECT_ROOT, env: { ...process.env, REF: previous!.ref, DIR: dir } });
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    t = await createTestDatabase(); // migrated by the current code
    await twoBranches(t.owner, 3);
    old = await startServerProcess({ databaseUrl: t.appUrl, root: dir, env: { DRAIN_DELAY_MS: '0' } });
  });
  after(async () => {
    await old?.stop();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(`${previous?.why ?? ''} ${previous?.ref.slice(0, 12) ?? ''}: ready, signs in, reads patients`, async () => {
    const ready = await fetch(`${old.url}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
    const login = await fetch(`${old.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    const patients = await fetch(`${old.url}/api/patients?q=o`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(patients.status, 200);
    assert.ok(((await patients.json()) as { patients: unknown[] }).patients.length >= 1);
  });
});
