import { readFile } from 'node:fs/promises';
import { environment } from './config';
import { parseArgs } from 'node:util';
import { NotesConfigError, parseProviderName, summarizerConfigFromEnv, transcriptionConfigFromEnv } from '../server/notes/config';
import { structureNote } from '../server/notes/pipeline';
import { createSummarizer } from '../server/notes/providers/index';
import { transcribe } from '../server/notes/transcribe';

/*
 * The notes pipeline from the command line, saving nothing: try prompts and providers on real
 * notes. Output is JSON in the contract's schema (contract/soap.ts, contract/transcription.ts).
 */

const USAGE = `npm run notes -- <command>
  structure [--provider local|openai|azure|compatible] [--model M] [--base-url URL] [--file note.txt] < note.txt
      prints the SOAP draft (contract/soap.ts SoapDraft) as JSON; provider settings come from the
      environment (NOTES_PROVIDER, OPENAI_API_KEY, AZURE_OPENAI_*, …; see README), flags override them
  transcribe --mime audio/webm [--file dictation.webm] < dictation.webm
      prints the transcript (contract/transcription.ts) as JSON; NOTES_STT_PROVIDER and friends configure it`;

async function readInput(file: string | undefined): Promise<Buffer> {
  if (file) return readFile(file);
  if (process.stdin.isTTY) throw new NotesConfigError('give the input on stdin or with --file');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      provider: { type: 'string' },
      model: { type: 'string' },
      'base-url': { type: 'string' },
      file: { type: 'string' },
      mime: { type: 'string' },
    },
    strict: true,
  });
  const env: Record<string, string | undefined> = { ...environment() };
  if (values['base-url']) env.NOTES_BASE_URL = env.OPENAI_BASE_URL = env.NOTES_STT_BASE_URL = values['base-url'];

  if (command === 'structure') {
    const provider = values.provider ? parseProviderName(values.provider) : undefined;
    if (values.model) {
      env.NOTES_MODEL = values.model;
      env.AZURE_OPENAI_DEPLOYMENT = values.model;
    }
    const summarizer = createSummarizer(summarizerConfigFromEnv(env, provider));
    const raw = (await readInput(values.file)).toString('utf8');
    const result = await structureNote(raw, summarizer);
    if (!result.ok) {
      process.stderr.write(`${JSON.stringify({ error: result.error })}\n`);
      return 1;
    }
    process.stdout.write(`${JSON.stringify(result.draft, null, 2)}\n`);
    return 0;
  }
  if (command === 'transcribe') {
    if (!values.mime) throw new NotesConfigError('--mime is required (e.g. audio/webm)');
    if (values.model) env.NOTES_STT_MODEL = env.AZURE_OPENAI_STT_DEPLOYMENT = values.model;
    const result = await transcribe(await readInput(values.file), values.mime, transcriptionConfigFromEnv(env));
    if (!result.ok) {
      process.stderr.write(`${JSON.stringify({ error: result.error })}\n`);
      return 1;
    }
    process.stdout.write(`${JSON.stringify(result.transcript, null, 2)}\n`);
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof NotesConfigError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
