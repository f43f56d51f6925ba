import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { openStore } from './store';

const HERE = path.dirname(fileURLToPath(import.meta.url));

test('a station process killed at a random moment keeps every save it acknowledged', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'station-crash-'));
  try {
    const file = path.join(dir, 'station.db');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'testing/save-loop.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: { draftId: string; n: number }[] = [];
    let buf = '';
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'ready') ready();
        else {
          const [draftId, n] = line.split(' ');
          acked.push({ draftId: draftId!, n: Number(n) });
        }
      }
    });
    const exited = new Promise((r) => child.on('exit', r));
    await isReady;
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 1000));
    child.kill('SIGKILL');
    await exited;
    assert.ok(acked.length > 5, `the child saved for a while (${acked.length} saves)`);

    const db = openStore(file);
    try {
      const texts = new Set(
        (db.prepare("SELECT body FROM outbox WHERE kind = 'draft.save'").pluck().all() as string[]).map(
          (b) => (JSON.parse(b) as { payload: { text: string } }).payload.text.split(' #').at(-1),
        ),
      );
      for (const a of acked) assert.ok(texts.has(String(a.n)), `save #${a.n} is in the outbox`);
      // Each draft holds its newest acknowledged text or a later one (the unacknowledged last save).
      const newest = new Map<string, number>();
      for (const a of acked) newest.set(a.draftId, Math.max(newest.get(a.draftId) ?? -1, a.n));
      for (const [id, n] of newest) {
        const text = db.prepare('SELECT text FROM drafts WHERE id = ?').pluck().get(id) as string;
        assert.ok(Number(text.split(' #').at(-1)) >= n);
      }
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
