import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';

/** A minimal server-sent-events reader for tests and benchmarks: every raw chunk and every data event. */
export interface LiveStream {
  events: { cursor: string; at: number }[];
  raw: string[];
  next(predicate: (cursor: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

export async function openLive(url: string, credential: string, token: string): Promise<LiveStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/sync/live`, {
    headers: { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: credential, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`live ${res.status}`);
  const events: LiveStream['events'] = [];
  const raw: string[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        raw.push(text);
        buf += text;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) events.push({ cursor: (JSON.parse(data.slice(6)) as { cursor: string }).cursor, at: performance.now() });
          for (const w of waiters) w();
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    events,
    raw,
    next(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const e = events.find((x) => predicate(x.cursor));
          if (e) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(e.cursor);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error('no live event in time'));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
