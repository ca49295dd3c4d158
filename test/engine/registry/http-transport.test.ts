import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { HttpTransport, readBody } from '../../../engine/registry/http-transport.js';

describe('engine/registry/http-transport', () => {
  let server: http.Server;
  let base: URL;
  const served = new WeakMap<net.Socket, number>();
  let resets = 0;

  before(async () => {
    // Answers the first request on each connection; a second one on a reused connection is
    // dropped unanswered, as a server that closed an idle keep-alive connection does.
    server = http.createServer((req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (count > 1) {
        resets++;
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive' }).end(`${req.method} ${req.url}`);
    });
    server.keepAliveTimeout = 10_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('retries an idempotent request once when a reused keep-alive connection is reset', async () => {
    const transport = new HttpTransport(base.origin);
    const first = await transport.request({ method: 'GET', url: new URL('/v2/', base) });
    assert.equal((await readBody(first, 1024, 'body')).toString(), 'GET /v2/');
    const second = await transport.request({ method: 'GET', url: new URL('/v2/again', base) });
    assert.equal((await readBody(second, 1024, 'body')).toString(), 'GET /v2/again');
    assert.equal(resets, 1, 'the reused connection was dropped once, and the request went again on a new one');
  });
});
