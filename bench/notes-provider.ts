import { generateRawNotes } from '../contract/demo/notes';
import { structureLocally } from '../server/notes/local';
import { chatReply, startFakeOpenAI } from '../server/notes/testing/openai-compatible-server';

/*
 * The fixed-latency provider of `bench notes`, in its own process so that its CPU is not billed
 * to the pipeline being measured: a loopback OpenAI-protocol server that answers every chat
 * completion after exactly FIXED_MS with the SOAP answer for the bench note. Prints its origin.
 */

export const BENCH_NOTE_SEED = 11;
export const benchNote = (): string => generateRawNotes({ seed: BENCH_NOTE_SEED, count: 12 }).find((n) => n.tags.includes('ordinary'))!.text;

if (process.argv[2] === 'serve') {
  const fixedMs = Number(process.argv[3] ?? 50);
  const answer = structureLocally(benchNote());
  const server = await startFakeOpenAI(() => chatReply(answer, { delayMs: fixedMs }));
  process.stdout.write(`${server.origin}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
}
