import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Figure {
  value: number;
  unit: string;
  goal?: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Runs `op` from `workers` concurrent loops for `ms` milliseconds; returns operations per second. */
export async function rate(workers: number, ms: number, op: (worker: number) => Promise<void>): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < end) {
        await op(w);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** The machine's load average (1, 5, 15 min) when the benchmark started: beside every figure, since the machine is shared. */
const loadAtStart = loadavg().map((x) => Math.round(x * 10) / 10);

export function writeResults(name: string, figures: Record<string, Figure>, notes: string[] = []): string {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const body = {
    benchmark: name,
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 10) / 10) },
    figures,
    notes,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

export function printFigures(figures: Record<string, Figure>): void {
  console.log(`  (load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} now; ${loadAtStart.join(' / ')} when the run started)`);
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [k, f] of Object.entries(figures)) {
    const v = Number.isInteger(f.value) ? String(f.value) : f.value.toFixed(f.value < 10 ? 3 : 1);
    console.log(`  ${k.padEnd(width)}  ${v} ${f.unit}${f.goal ? `   (goal ${f.goal})` : ''}`);
  }
}
