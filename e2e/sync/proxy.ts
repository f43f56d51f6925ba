import net from 'node:net';

/**
 * A TCP proxy in front of the server that can fail the way networks do:
 * 'pass' forwards; 'down' refuses every connection; 'cut-response' forwards the request and
 * drops the connection as soon as the server starts answering (the server has committed, the
 * station never hears it).
 */
export type ProxyMode = 'pass' | 'down' | 'cut-response';

export interface Proxy {
  url: string;
  mode: ProxyMode;
  cuts: number;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<Proxy> {
  const t = new URL(target);
  const sockets = new Set<net.Socket>();
  let mode: ProxyMode = 'pass';
  const proxy: Proxy = {
    url: '',
    cuts: 0,
    close: async () => {},
    get mode() {
      return mode;
    },
    // Going down also cuts the connections a client keeps alive.
    set mode(m: ProxyMode) {
      mode = m;
      if (m === 'down') for (const s of sockets) s.destroy();
    },
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (proxy.mode === 'down') return client.destroy();
    const upstream = net.connect(Number(t.port), t.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('data', (d) => upstream.write(d));
    client.on('end', () => upstream.end());
    upstream.on('data', (d) => {
      if (proxy.mode === 'cut-response') {
        proxy.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return proxy;
}
