import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PROJECT_ROOT, startServerProcess, type ServerProcess } from '../server/testing/server-process';
import { enrolStation } from '../server/admin/credentials';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../server/testing/fixtures';
import { draftSave } from '../server/testing/sync-harness';
import { createTestDatabase, type TestDatabase } from '../server/testing/test-db';
import { withBranch } from '../server/db/with-branch';

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
  let f: TwoBranches;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ws-previous-release-'));
    execFileSync('sh', ['-c', `git archive --format=tar "$REF" | tar -x -C "$DIR"`], { cwd: PROJECT_ROOT, env: { ...process.env, REF: previous!.ref, DIR: dir } });
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    t = await createTestDatabase(); // migrated by the current code
    f = await twoBranches(t.owner, 3);
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

  // The previous release pushes through sync_push, which this release's SQL answers by calling
  // sync_push_set: a batch of first saves, an edit, a replay and an unknown patient, in order.
  test('a push from the previous release is applied by this release\'s SQL', async (t0) => {
    const station = await enrolStation(t.owner, 'north', 'n-med', 'previous release station');
    const cred = { 'x-station-credential': station.credential };
    const login = await fetch(`${old.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...cred },
      body: JSON.stringify({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    const [p1, p2] = f.north.patientIds;
    const a = draftSave(crypto.randomUUID(), p1!, 'first draft', 0);
    const b = draftSave(crypto.randomUUID(), p2!, 'second draft', 0);
    const edit = draftSave((a.payload as { draftId: string }).draftId, p1!, 'first draft, edited', 1);
    const unknown = draftSave(crypto.randomUUID(), crypto.randomUUID(), 'nobody', 0);
    const push = (mutations: unknown[]) =>
      fetch(`${old.url}/api/sync/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...cred },
        body: JSON.stringify({ mutations }),
      });
    const r = await push([a, b, edit, unknown]);
    if (r.status === 404) return t0.skip('the previous release has no sync push');
    assert.equal(r.status, 200, await r.clone().text());
    const first = ((await r.json()) as { results: { id: string; status: string; reason?: string; draft?: { version: number } }[] }).results;
    assert.deepEqual(first.map((x) => [x.id, x.status, x.reason, x.draft?.version]), [
      [a.id, 'applied', undefined, 1],
      [b.id, 'applied', undefined, 1],
      [edit.id, 'applied', undefined, 2],
      [unknown.id, 'rejected', 'unknown_patient', undefined],
    ]);
    const again = ((await (await push([a, edit])).json()) as { results: { status: string }[] }).results;
    assert.deepEqual(again.map((x) => x.status), ['duplicate', 'duplicate']);
    const stored = await withBranch(t.owner, f.north.id, { kind: 'admin', id: 'test' }, (trx) =>
      trx.selectFrom('note_drafts').select(['id', 'patient_id', 'text', 'version']).orderBy('text').execute());
    assert.deepEqual(stored, [
      { id: (a.payload as { draftId: string }).draftId, patient_id: p1, text: 'first draft, edited', version: 2 },
      { id: (b.payload as { draftId: string }).draftId, patient_id: p2, text: 'second draft', version: 1 },
    ]);
  });
});
