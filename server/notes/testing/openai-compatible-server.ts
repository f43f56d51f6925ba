import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A loopback HTTP server that speaks the OpenAI wire protocol (Chat Completions and audio
 * transcriptions, including Azure's deployment paths). It is the ONLY test double of the notes
 * pipeline, and it stands where a hosted model would: tests cannot reach one. Everything in front
 * of it is real: the `openai` package, its HTTP client, JSON and multipart encoding, timeouts.
 * Tests script its replies and read back the requests it received.
 */

export interface MultipartPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body, when the request had one. */
  json: any;
  /** Parsed multipart/form-data parts, when the request had them. */
  parts: MultipartPart[] | null;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Send the body only after this many milliseconds (a slow model). */
  delayMs?: number;
  /** Send this raw text instead of JSON. */
  rawBody?: string;
}

export type Handler = (req: RecordedRequest, index: number) => Reply | Promise<Reply>;

export interface FakeOpenAIServer {
  /** e.g. http://127.0.0.1:41234 (add /v1 for the OpenAI base URL). */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

let completionId = 0;

/** A chat.completion response whose assistant content is `content` (a string, or JSON-encoded). */
export function chatReply(content: unknown, options: { promptTokens?: number; completionTokens?: number; finishReason?: string; refusal?: string | null; model?: string; delayMs?: number } = {}): Reply {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  const prompt = options.promptTokens ?? 321;
  const completion = options.completionTokens ?? 123;
  return {
    ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
    body: {
      id: `chatcmpl-loopback-${++completionId}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: options.model ?? 'gpt-4o-mini-2024-07-18',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: options.refusal ? null : text, refusal: options.refusal ?? null },
          logprobs: null,
          finish_reason: options.finishReason ?? 'stop',
        },
      ],
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      system_fingerprint: 'fp_loopback',
    },
  };
}

/** An OpenAI-style error body with the given status. */
export function errorReply(status: number, message: string, headers: Record<string, string> = {}, type = 'invalid_request_error'): Reply {
  return { status, headers, body: { error: { message, type, param: null, code: null } } };
}

export function transcriptionReply(text: string, delayMs?: number): Reply {
  return { ...(delayMs !== undefined ? { delayMs } : {}), body: { text } };
}

function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const chunk = body.subarray(start + 2, next - 2); // strip CRLF after delimiter and before next
    const headerEnd = chunk.indexOf('\r\n\r\n');
    const head = chunk.subarray(0, headerEnd).toString('utf8');
    const data = chunk.subarray(headerEnd + 4);
    const disposition = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? '';
    parts.push({
      name: /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '',
      filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null,
      contentType: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim() ?? null,
      data: Buffer.from(data),
    });
    pos = next;
  }
  return parts;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeOpenAI(handler: Handler): Promise<FakeOpenAIServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://loopback');
      const type = req.headers['content-type'] ?? '';
      let json: any = null;
      let parts: MultipartPart[] | null = null;
      if (type.startsWith('application/json')) {
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          json = null;
        }
      } else if (type.startsWith('multipart/form-data')) {
        parts = parseMultipart(body, type);
      }
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, json, parts };
      requests.push(recorded);
      const known = /\/chat\/completions$|\/audio\/transcriptions$/.test(url.pathname);
      const reply = known ? await handler(recorded, requests.length - 1) : errorReply(404, `no route ${url.pathname}`);
      const send = () => {
        if (res.destroyed) return;
        const payload = reply.rawBody ?? JSON.stringify(reply.body ?? {});
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'x-request-id': `req_loopback_${requests.length}`, ...reply.headers });
        res.end(payload);
      };
      if (reply.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, reply.delayMs);
        timers.add(t);
      } else {
        send();
      }
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
