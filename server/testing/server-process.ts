import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * `server/main.ts` as a child process, exactly as `npm run server` runs it: for the drain test,
 * the previous release's compatibility test, and the blue-green and fleet benchmarks.
 */

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServerProcess(options: { databaseUrl: string; root?: string; env?: Record<string, string>; port?: number; execArgv?: string[] }): Promise<ServerProcess> {
  const root = options.root ?? PROJECT_ROOT;
  const child = spawn(process.execPath, [...(options.execArgv ?? []), '--import', 'tsx', path.join(root, 'server/main.ts')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: options.databaseUrl, DATABASE_OWNER_URL: '', HOST: '127.0.0.1', PORT: String(options.port ?? 0), ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${buffered.slice(-500)}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const m = /"message":"listening","url":"([^"]+)"/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
      if (buffered.length > 100_000) buffered = buffered.slice(-10_000);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${buffered.slice(-500)}`));
    });
  });
  child.stderr!.resume();
  return {
    url,
    child,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
