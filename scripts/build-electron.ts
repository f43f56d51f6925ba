import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/*
 * Bundles the Electron main process and preload into out/electron/{main,preload}.cjs. Electron
 * itself and better-sqlite3 (a native module, loaded from node_modules) stay external.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ELECTRON_OUT = path.join(repo, 'out', 'electron');
export const ELECTRON_MAIN = path.join(ELECTRON_OUT, 'main.cjs');

export async function buildElectron(): Promise<string> {
  await build({
    entryPoints: { main: path.join(repo, 'main', 'electron', 'main.ts'), preload: path.join(repo, 'main', 'electron', 'preload.ts') },
    outdir: ELECTRON_OUT,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron', 'better-sqlite3'],
    logLevel: 'warning',
    sourcemap: false,
  });
  return ELECTRON_MAIN;
}

/** The Electron binary when its runtime is installed (node_modules/electron/path.txt), else null. */
export function electronBinary(): string | null {
  const dir = path.join(repo, 'node_modules', 'electron');
  const file = path.join(dir, 'path.txt');
  if (!existsSync(file)) return null;
  const bin = path.join(dir, 'dist', readFileSync(file, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(`built ${await buildElectron()}`);
}
