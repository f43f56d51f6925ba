import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * The static security scan of the Electron code (Doyensec's electronegativity), as CI runs it:
 * no high-severity finding may be left. It is told the Electron major we ship, because secure
 * defaults (context isolation, sandbox) depend on it.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

test('electronegativity finds nothing of high severity in main/electron', () => {
  const electronMajor = JSON.parse(readFileSync(path.join(repo, 'node_modules', 'electron', 'package.json'), 'utf8')).version.split('.')[0];
  const out = mkdtempSync(path.join(tmpdir(), 'electronegativity-'));
  const csv = path.join(out, 'findings.csv');
  try {
    const r = spawnSync(process.execPath, [path.join(repo, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js'), '-i', here, '-r', '-v', 'false', '-e', `${electronMajor}.0.0`, '-o', csv], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
    // Test files are not shipped; their fake IPC is not a finding.
    const findings = rows.filter((row) => !/\.test\.ts"/.test(row));
    const high = findings.filter((row) => row.split(',')[1] === '"HIGH"');
    assert.deepEqual(high, [], `high-severity findings:\n${high.join('\n')}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
