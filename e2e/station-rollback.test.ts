import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listDrafts, saveDraft } from '../main/core/drafts';
import { migrateStore, openStore } from '../main/core/store';
import { stationMigrations } from '../migrations/station/index';

/*
 * A rollback installs the previous station version over a database the newer one migrated
 * (DESIGN §7). Station migrations are additive, so the previous version's own code must open
 * that file, read what the newer version wrote, and write to it. The previous version is
 * PREVIOUS_RELEASE_REF, else the newest v* tag, else the first commit with the station store
 * (the oldest station code: the strictest check). Its drafts API is the one of that version.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

function previousRelease(): string | null {
  try {
    if (process.env.PREVIOUS_RELEASE_REF) return process.env.PREVIOUS_RELEASE_REF;
    const tag = git('tag', '--list', 'v*', '--merged', 'HEAD', '--sort=-v:refname').split('\n')[0];
    if (tag) return tag;
    return git('log', '--diff-filter=A', '--format=%H', '--reverse', '--', 'main/core/store.ts').split('\n')[0] || null;
  } catch {
    return null;
  }
}

const previous = previousRelease();
const PATIENT = '6a264c9d-44f4-4f1f-867b-815dfdc29622';

describe('the previous station version opens a database the current one migrated', { skip: previous ? false : 'not a git checkout: no previous version to run' }, () => {
  let dir: string;
  let oldTree: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ws-station-rollback-'));
    oldTree = path.join(dir, 'previous');
    execFileSync('sh', ['-c', `mkdir -p "$DIR" && git archive --format=tar "$REF" | tar -x -C "$DIR"`], { cwd: root, env: { ...process.env, REF: previous!, DIR: oldTree } });
    symlinkSync(path.join(root, 'node_modules'), path.join(oldTree, 'node_modules'), 'dir');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test(`previous ${previous?.slice(0, 12) ?? ''}: reads the newer version's drafts and writes its own`, () => {
    const file = path.join(dir, 'station.db');
    const current = openStore(file);
    const mine = saveDraft(current, 1, { patientId: PATIENT, text: 'Written by the newer version. Zoë, 5 mg.' });
    current.close();

    // The previous version, in its own process, from its own sources.
    const script = `
      const { openStore } = await import(${JSON.stringify(pathToFileURL(path.join(oldTree, 'main/core/store.ts')).href)});
      const drafts = await import(${JSON.stringify(pathToFileURL(path.join(oldTree, 'main/core/drafts.ts')).href)});
      const db = openStore(${JSON.stringify(file)});
      const seen = drafts.listDrafts(db, 1).map((d) => ({ id: d.id, text: d.text }));
      drafts.saveDraft(db, 1, { draftId: ${JSON.stringify(mine.id)}, patientId: ${JSON.stringify(PATIENT)}, text: 'Edited by the previous version.' });
      const created = drafts.saveDraft(db, 1, { patientId: ${JSON.stringify(PATIENT)}, text: 'New in the previous version.' });
      db.close();
      process.stdout.write(JSON.stringify({ seen, created: created.id }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: oldTree, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { seen: { id: string; text: string }[]; created: string };
    assert.deepEqual(out.seen, [{ id: mine.id, text: 'Written by the newer version. Zoë, 5 mg.' }]);

    // And back on the newer version (the roll forward after the rollback): nothing is lost.
    const again = openStore(file);
    assert.deepEqual(migrateStore(again), [], 'nothing to migrate again');
    const texts = listDrafts(again, 1).map((d) => d.text).sort();
    assert.deepEqual(texts, ['Edited by the previous version.', 'New in the previous version.']);
    again.close();
    assert.ok(stationMigrations.length >= 1);
  });
});
