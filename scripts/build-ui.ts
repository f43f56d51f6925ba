import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { build } from 'vite';

/*
 * Builds the renderers with Vite into dist/<name>/. `npm start` calls ensureUiBuilt() so that a
 * fresh checkout serves a current UI without a separate build step.
 */

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const UIS = {
  console: { root: path.join(repo, 'renderer', 'console'), outDir: path.join(repo, 'dist', 'console'), base: '/console/' },
  // Relative base: served from main/host's root and from Electron's own scheme alike.
  station: { root: path.join(repo, 'renderer', 'station'), outDir: path.join(repo, 'dist', 'station'), base: './' },
} as const;
export type UiName = keyof typeof UIS;

export async function buildUi(name: UiName): Promise<string> {
  const ui = UIS[name];
  await build({
    root: ui.root,
    base: ui.base,
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir: ui.outDir, emptyOutDir: true, sourcemap: false, target: 'es2022' },
  });
  return ui.outDir;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds `name` when its output is missing or older than its sources (renderer/ and contract/). */
export async function ensureUiBuilt(name: UiName): Promise<string> {
  const ui = UIS[name];
  const index = path.join(ui.outDir, 'index.html');
  const sources = Math.max(newestMtime(path.join(repo, 'renderer')), newestMtime(path.join(repo, 'contract')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return ui.outDir;
  return buildUi(name);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const name of Object.keys(UIS) as UiName[]) console.log(`built ${name}: ${await buildUi(name)}`);
}
