import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A benchmark's load client in a process of its own; `ask` sends one message and waits for the answer named. */
export interface ChildClient<To, From extends { op: string }> {
  ask<K extends From['op']>(m: To, answer: K): Promise<Extract<From, { op: K }>>;
  close(): void;
}

/**
 * Forks `file` (a module of bench/, run through tsx) and talks to it over IPC. Load generated in
 * the measured process would run on the event loop being measured (bench/fairness.ts, sync.ts).
 */
export function childClient<To, From extends { op: string }>(file: string): ChildClient<To, From> {
  const child: ChildProcess = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), file), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    ask: (m, answer) =>
      new Promise((resolve, reject) => {
        const exited = (code: number | null) => reject(new Error(`${file} exited ${code}`));
        const on = (r: From) => {
          if (r.op !== answer) return;
          child.off('message', on);
          child.off('exit', exited);
          resolve(r as never);
        };
        child.on('message', on);
        child.once('exit', exited);
        child.send(m as object);
      }),
    close: () => child.disconnect(),
  };
}
