import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { transcriptionConfigFromEnv, type TranscriptionConfig } from './config';
import { errorReply, startFakeOpenAI, transcriptionReply, type FakeOpenAIServer, type Handler } from './testing/openai-compatible-server';
import { transcribe } from './transcribe';

/*
 * Transcription over multipart to /v1/audio/transcriptions, against the loopback server that
 * speaks the OpenAI wire protocol (the one test double: no hosted Whisper is reachable here).
 */

let handler: Handler = () => transcriptionReply('Patient reports less cough today.');
let server: FakeOpenAIServer;
before(async () => {
  server = await startFakeOpenAI((req, i) => handler(req, i));
});
after(() => server.close());

// Not real speech: the wire format, not the audio, is what is under test.
const AUDIO = Buffer.concat([Buffer.from('1a45dfa3', 'hex'), Buffer.alloc(4096, 7)]);
const policy = { timeoutMs: 2000, maxRetries: 2, maxRetryAfterMs: 5000, backoffMs: 5 };
const compatible = (over: Partial<Extract<TranscriptionConfig, { provider: 'compatible' }>> = {}): TranscriptionConfig => ({
  provider: 'compatible', baseURL: `${server.origin}/v1`, apiKey: 'not-needed', model: 'whisper-large-v3', language: null, ...policy, ...over,
});

describe('transcribe', () => {
  it('posts the audio as multipart to /v1/audio/transcriptions and returns the text', async () => {
    handler = () => transcriptionReply('  Patient reports less cough today.\n');
    const result = await transcribe(AUDIO, 'audio/webm;codecs=opus', compatible({ language: 'en' }));
    assert.ok(result.ok);
    assert.equal(result.transcript.text, 'Patient reports less cough today.');
    assert.equal(result.transcript.model, 'whisper-large-v3');
    assert.equal(result.transcript.attempts, 1);
    const req = server.requests.at(-1)!;
    assert.equal(req.path, '/v1/audio/transcriptions');
    assert.match(String(req.headers['content-type']), /^multipart\/form-data; boundary=/);
    const parts = new Map(req.parts!.map((p) => [p.name, p]));
    assert.equal(parts.get('model')?.data.toString(), 'whisper-large-v3');
    assert.equal(parts.get('response_format')?.data.toString(), 'json');
    assert.equal(parts.get('language')?.data.toString(), 'en');
    const file = parts.get('file')!;
    assert.equal(file.filename, 'dictation.webm');
    assert.equal(file.contentType, 'audio/webm');
    assert.ok(file.data.equals(AUDIO), 'the audio arrives byte for byte');
  });

  it('Azure: the transcription deployment path and api-key', async () => {
    handler = () => transcriptionReply('Diktat.');
    const result = await transcribe(AUDIO, 'audio/wav', { provider: 'azure', endpoint: server.origin, apiKey: 'az', deployment: 'whisper', apiVersion: '2024-10-21', language: null, ...policy });
    assert.ok(result.ok);
    const req = server.requests.at(-1)!;
    assert.equal(req.path, '/openai/deployments/whisper/audio/transcriptions');
    assert.equal(req.headers['api-key'], 'az');
    assert.equal(req.parts!.find((p) => p.name === 'file')?.filename, 'dictation.wav');
  });

  it('honours 429 retry-after, times out visibly, and refuses what it cannot send', async () => {
    handler = (_r, i) => (i % 2 === 0 ? errorReply(429, 'slow down', { 'retry-after-ms': '200' }) : transcriptionReply('ok'));
    server.requests.length = 0;
    const t0 = performance.now();
    const retried = await transcribe(AUDIO, 'audio/ogg', compatible());
    assert.ok(retried.ok && retried.transcript.attempts === 2);
    assert.ok(performance.now() - t0 >= 190);

    handler = () => transcriptionReply('late', 3000);
    const slow = await transcribe(AUDIO, 'audio/ogg', compatible({ timeoutMs: 100, maxRetries: 1 }));
    assert.deepEqual(slow.ok ? null : [slow.error.kind, slow.error.attempts], ['timeout', 2]);

    assert.equal((await transcribe(AUDIO, 'video/mp4', compatible())).ok, false);
    assert.equal((await transcribe(Buffer.alloc(0), 'audio/webm', compatible())).ok, false);
    const none = await transcribe(AUDIO, 'audio/webm', transcriptionConfigFromEnv({}));
    assert.deepEqual(none.ok ? null : none.error.kind, 'not_configured');
  });
});
