/*
 * Reads a server-sent-event stream (the station's GET /api/events) chunk by chunk: one parser
 * for the renderer's client and for Node clients, with no DOM or Node dependency. Only the
 * fields the station sends are read: `event`, `data` (one line) and comments.
 */
export interface StreamEvent {
  name: string;
  data: string;
}

export function createEventStreamParser(onEvent: (e: StreamEvent) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) onEvent({ name, data: data.join('\n') });
    }
  };
}
