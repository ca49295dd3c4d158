/**
 * A loopback HTTP proxy in front of a test registry that records every request and lets a
 * test answer some of them itself: to drop a connection mid-blob, serve corrupt bytes or
 * an oversized manifest, or redirect to another host. Everything else is passed through.
 */
import http from 'node:http';
import type net from 'node:net';

/** A request the proxy saw. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** Returns true when it answered the request itself. */
export type Intercept = (req: http.IncomingMessage, res: http.ServerResponse, upstream: string) => boolean | Promise<boolean>;

/** A running proxy. */
export interface RegistryProxy {
  /** `127.0.0.1:PORT`. */
  host: string;
  seen: SeenRequest[];
  intercept: Intercept | undefined;
  close(): Promise<void>;
}

/** Starts a proxy to `upstream` (`127.0.0.1:PORT`). */
export async function startRegistryProxy(upstream: string): Promise<RegistryProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: RegistryProxy = {
    host: '',
    seen: [],
    intercept: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    proxy.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    void (async () => {
      if (proxy.intercept && (await proxy.intercept(req, res, upstream))) return;
      forward(req, res, upstream);
    })().catch((err: Error) => res.destroy(err));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return proxy;
}

/** Passes one request through to `upstream`, rewriting Location headers back to the proxy. */
export function forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: string): void {
  const headers = { ...req.headers, host: upstream };
  const out = http.request(`http://${upstream}${req.url}`, { method: req.method, headers }, (up) => {
    const outHeaders = { ...up.headers };
    if (typeof outHeaders.location === 'string') outHeaders.location = outHeaders.location.replace(`http://${upstream}`, `http://${req.headers.host}`);
    res.writeHead(up.statusCode ?? 502, outHeaders);
    up.pipe(res);
  });
  out.on('error', (err) => res.destroy(err));
  req.pipe(out);
}

/** Fetches a blob's bytes from the upstream registry (no auth). */
export async function upstreamBlob(upstream: string, repo: string, digest: string, authorization?: string): Promise<Buffer> {
  const response = await fetch(`http://${upstream}/v2/${repo}/blobs/${digest}`, { ...(authorization && { headers: { authorization } }) });
  if (response.status !== 200) throw new Error(`upstream blob ${digest}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}
