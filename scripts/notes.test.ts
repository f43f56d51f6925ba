import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { SoapDraft } from '../contract/soap';
import { chatReply, startFakeOpenAI, type FakeOpenAIServer } from '../server/notes/testing/openai-compatible-server';

/* `npm run notes -- structure`: a raw note on stdin, the SOAP draft as contract JSON on stdout, nothing saved. */

const NOTE = 'c/o SOB x3/7.\nO/E: BP 142/88, HR 96.\nImp: ?LRTI.\nPlan: co-amoxiclav 1.2 g IV q8h\n';

function cli(args: string[], input: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Only what the CLI needs: no provider settings leak in from the developer's shell.
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/notes.ts', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

// The loopback server speaks the OpenAI wire protocol: the one test double, standing in for a hosted model.
let server: FakeOpenAIServer;
before(async () => {
  server = await startFakeOpenAI(() =>
    chatReply({ subjective: [{ text: 'Breathless for 3 days.', quotes: ['SOB x3/7'] }], objective: [], assessment: [{ text: 'Sepsis.', quotes: ['septic'] }], plan: [] }),
  );
});
after(() => server.close());

describe('notes CLI', () => {
  it('structure --provider local prints a draft in the contract schema', async () => {
    const r = await cli(['structure', '--provider', 'local'], NOTE);
    assert.equal(r.code, 0, r.stderr);
    const draft = SoapDraft.parse(JSON.parse(r.stdout));
    assert.equal(draft.provenance.provider, 'local');
    assert.deepEqual(draft.sections.plan.map((s) => s.quotes[0]), ['Plan: co-amoxiclav 1.2 g IV q8h']);
  });

  it('structure with a configured provider, flags overriding the environment', async () => {
    const r = await cli(['structure', '--provider', 'compatible', '--base-url', `${server.origin}/v1`, '--model', 'qwen2.5-7b-instruct'], NOTE, { NOTES_PROVIDER: 'local' });
    assert.equal(r.code, 0, r.stderr);
    const draft = SoapDraft.parse(JSON.parse(r.stdout));
    assert.equal(draft.provenance.model, 'qwen2.5-7b-instruct');
    assert.equal(draft.unsupportedCount, 1);
    assert.equal(server.requests.at(-1)?.json.model, 'qwen2.5-7b-instruct');
  });

  it('says what is missing instead of failing obscurely', async () => {
    const r = await cli(['structure', '--provider', 'openai'], NOTE);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /OPENAI_API_KEY is not set/);
    const empty = await cli(['structure'], ' \n\t ');
    assert.equal(empty.code, 1);
    assert.equal(JSON.parse(empty.stderr).error.kind, 'empty_note');
  });
});
