/**
 * A token server for `docker-registry`'s token auth, on loopback: the realm a Bearer
 * challenge names. It issues RS256 JWTs carrying an `x5c` certificate that the registry
 * trusts through its `rootcertbundle`, granting `pull` on `public/*` to anyone and every
 * requested action to the one user it knows. Records each request for assertions.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';

/** A running token server. */
export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate the registry must trust (`rootcertbundle`). */
  rootCertBundle: string;
  /** Each token request: the user who asked ('' for anonymous) and the scopes. */
  requests: { user: string; scopes: string[] }[];
  close(): Promise<void>;
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** Starts the server; its key and certificate go into `dir`. */
export async function startTokenServer(dir: string, user: { username: string; password: string }): Promise<TokenServer> {
  const key = path.join(dir, 'token.key');
  const cert = path.join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=intermodal-test-token'], { stdio: 'ignore' });
  const privateKey = crypto.createPrivateKey(fs.readFileSync(key));
  const der = new crypto.X509Certificate(fs.readFileSync(cert)).raw.toString('base64');
  const service = 'intermodal-test-registry';
  const issuer = 'intermodal-test-issuer';
  const requests: TokenServer['requests'] = [];
  const sockets = new Set<net.Socket>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope');
    let who = '';
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [name, ...rest] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      if (name !== user.username || rest.join(':') !== user.password) {
        requests.push({ user: `refused:${name}`, scopes });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      who = name;
    }
    requests.push({ user: who, scopes });
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      if (type !== 'repository' || !name || !actions) return [];
      const granted = who ? actions.split(',') : name.startsWith('public/') ? actions.split(',').filter((a) => a === 'pull') : [];
      return granted.length > 0 ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der] };
    const claims = { iss: issuer, sub: who, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = crypto.sign('sha256', Buffer.from(signingInput), privateKey);
    const token = `${signingInput}.${base64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: cert,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
