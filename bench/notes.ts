import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { generateRawNotes } from '../contract/demo/notes';
import type { GeneratedSoap } from '../contract/soap';
import { structureLocally } from '../server/notes/local';
import { structureNote } from '../server/notes/pipeline';
import { buildMessages, SOAP_JSON_SCHEMA } from '../server/notes/prompt';
import { createSummarizer } from '../server/notes/providers/index';
import type { SummarizerProvider } from '../server/notes/providers/types';
import { percentile, printFigures, writeResults, type Figure } from './lib';
import { benchNote } from './notes-provider';

/*
 * The notes pipeline's own cost.
 * 1. Overhead per note around a provider with a fixed latency: the loopback OpenAI-protocol
 *    server (its own process, bench/notes-provider.ts) answers every request after exactly FIXED_MS. The pipeline (openai provider, retry
 *    loop, answer parsing, evidence check, hash, contract validation) and a raw `openai` client
 *    call with the same request and the same answer alternate in the same run; the overhead is
 *    the difference of their medians (and total minus FIXED_MS is shown for both).
 * 2. The pipeline's CPU per note with an in-memory provider that answers at once.
 * 3. The local structurer on a 1,000-word note (p50/p99), against a naive regex sentence split.
 */

const FIXED_MS = 50;
const ROUNDS = 5;
const CALLS_PER_ROUND = 30;
const LOCAL_RUNS = 400;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

function wardNotes(words: number): string {
  const parts: string[] = [];
  let n = 0;
  for (const note of generateRawNotes({ seed: 2026, count: 400 })) {
    if (!note.tags.includes('ordinary')) continue;
    parts.push(note.text);
    n += note.text.split(/\s+/).length;
    if (n >= words) break;
  }
  return parts.join('\n\n').split(/(\s+)/).slice(0, words * 2 - 1).join('');
}

/** The draft a model would return for `raw`: the local structurer's, so every quote is real. */
const modelAnswerFor = (raw: string): GeneratedSoap => structureLocally(raw);

async function startProviderProcess(): Promise<{ origin: string; stop: () => Promise<void> }> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'notes-provider.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'serve', String(FIXED_MS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`provider process exited (${code})`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin!.end();
    });
  return { origin, stop };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function run(): Promise<Record<string, Figure>> {
  const note = benchNote();
  const answer = modelAnswerFor(note);
  const provider = await startProviderProcess();
  const baseURL = `${provider.origin}/v1`;
  const pipelineProvider = createSummarizer({
    provider: 'openai', apiKey: 'sk-bench', model: 'gpt-4o-mini', baseURL, responseFormat: 'json_schema',
    timeoutMs: 10_000, maxRetries: 0, maxRetryAfterMs: 0, malformedRetries: 0, backoffMs: 0,
  });
  const raw = new OpenAI({ apiKey: 'sk-bench', baseURL, timeout: 10_000, maxRetries: 0 });
  const rawCall = async () => {
    const c = await raw.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: buildMessages(note),
      temperature: 0,
      max_tokens: 8192,
      response_format: { type: 'json_schema', json_schema: { name: SOAP_JSON_SCHEMA.name, strict: true, schema: SOAP_JSON_SCHEMA.schema as unknown as Record<string, unknown> } },
    });
    return JSON.parse(c.choices[0]!.message.content!);
  };
  const pipelineCall = async () => {
    const r = await structureNote(note, pipelineProvider);
    if (!r.ok) throw new Error(`pipeline failed: ${r.error.kind}`);
  };

  // Warm both paths (connections, JIT, regex compilation).
  for (let i = 0; i < 10; i++) {
    await rawCall();
    await pipelineCall();
  }
  const rawTimes: number[] = [];
  const pipeTimes: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < CALLS_PER_ROUND; i++) {
      // Alternate which goes first so that drift on a shared machine favours neither.
      if ((r + i) % 2 === 0) {
        rawTimes.push(await time(rawCall));
        pipeTimes.push(await time(pipelineCall));
      } else {
        pipeTimes.push(await time(pipelineCall));
        rawTimes.push(await time(rawCall));
      }
    }
  }
  await provider.stop();

  // The pipeline's own CPU: a provider that answers at once with the same answer.
  const instant: SummarizerProvider = {
    name: 'openai', model: 'gpt-4o-mini',
    summarize: async () => ({ soap: structuredClone(answer), inputTokens: 100, outputTokens: 100, attempts: 1, responseFormat: 'json_schema' }),
  };
  const cpu: number[] = [];
  for (let i = 0; i < 50; i++) await structureNote(note, instant);
  for (let i = 0; i < 500; i++) cpu.push(await time(() => structureNote(note, instant)));

  // Local structurer, 1,000 words, against a naive split that only cuts at stops and newlines.
  const thousand = wardNotes(1000);
  const naive = (t: string) => t.split(/(?<=[.!?;])\s+|\n+/u).filter((s) => s.trim()).map((s) => s.trim());
  for (let i = 0; i < 30; i++) {
    structureLocally(thousand);
    naive(thousand);
  }
  const local: number[] = [];
  const naiveTimes: number[] = [];
  for (let i = 0; i < LOCAL_RUNS; i++) {
    let t0 = performance.now();
    structureLocally(thousand);
    local.push(performance.now() - t0);
    t0 = performance.now();
    naive(thousand);
    naiveTimes.push(performance.now() - t0);
  }

  const p = (xs: number[], q: number) => percentile(sorted(xs), q);
  const statements = Object.values(structureLocally(thousand)).reduce((n, s) => n + s.length, 0);
  const figures: Record<string, Figure> = {
    fixed_provider_latency: { value: FIXED_MS, unit: 'ms' },
    raw_openai_call_p50: { value: p(rawTimes, 50), unit: 'ms' },
    pipeline_call_p50: { value: p(pipeTimes, 50), unit: 'ms' },
    raw_openai_minus_fixed_p50: { value: p(rawTimes, 50) - FIXED_MS, unit: 'ms' },
    pipeline_minus_fixed_p50: { value: p(pipeTimes, 50) - FIXED_MS, unit: 'ms' },
    pipeline_overhead_vs_raw_p50: { value: p(pipeTimes, 50) - p(rawTimes, 50), unit: 'ms', goal: '<= 10' },
    pipeline_overhead_vs_raw_p99: { value: p(pipeTimes, 99) - p(rawTimes, 99), unit: 'ms' },
    pipeline_vs_raw_ratio_p50: { value: p(pipeTimes, 50) / p(rawTimes, 50), unit: 'ratio' },
    pipeline_cpu_per_note_p50: { value: p(cpu, 50), unit: 'ms' },
    pipeline_cpu_per_note_p99: { value: p(cpu, 99), unit: 'ms' },
    local_1000_words_p50: { value: p(local, 50), unit: 'ms', goal: '<= 20' },
    local_1000_words_p99: { value: p(local, 99), unit: 'ms' },
    local_1000_words_statements: { value: statements, unit: 'statements' },
    naive_split_1000_words_p50: { value: p(naiveTimes, 50), unit: 'ms' },
    local_vs_naive_split_ratio_p50: { value: p(local, 50) / p(naiveTimes, 50), unit: 'ratio' },
  };
  printFigures(figures);
  writeResults('notes', figures, [
    `loopback OpenAI-protocol server in its own process answering every request after a fixed ${FIXED_MS} ms; ${ROUNDS * CALLS_PER_ROUND} calls per path, sequential, alternating order`,
    'pipeline = structureNote with the openai provider (retry loop, parse, evidence check, content hash, contract validation); raw = openai client call with the same request, JSON.parse of the answer',
    `note: one ordinary generated ward note (${note.split(/\s+/).length} words, ${Object.values(answer).reduce((n, s) => n + s.length, 0)} statements)`,
    'pipeline_cpu: structureNote around an in-memory provider that answers at once (no HTTP)',
    `local: structureLocally on a ${thousand.split(/\s+/).length}-word note from the demo generator, ${LOCAL_RUNS} runs after warm-up; naive = regex split at stops and newlines`,
  ]);
  return figures;
}
