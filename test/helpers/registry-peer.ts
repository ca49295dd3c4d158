/**
 * Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 for tests: filesystem storage
 * in a scratch dir, optionally htpasswd or token auth, stopped by its PID in teardown.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir, removeTempDir } from './temp-dir.js';

/** A running registry. */
export interface RegistryPeer {
  /** `127.0.0.1:PORT`. */
  host: string;
  dir: string;
  /** Stops the registry (by PID) and removes its storage. */
  stop(): Promise<void>;
}

/** How the registry authenticates. */
export type RegistryAuthConfig =
  | { kind: 'htpasswd'; users: Record<string, string> }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

/** A free loopback port (bound and released; the registry binds it right after). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What the registry listens as: a loopback address, and a certificate for TLS. */
export interface RegistryListen {
  /** Address to bind (default 127.0.0.1) and the name clients use for it (default the address). */
  address?: string;
  name?: string;
  tls?: { certificate: string; key: string };
}

/** Starts `docker-registry serve` and waits until it accepts connections. */
export async function startRegistry(options: { auth?: RegistryAuthConfig; listen?: RegistryListen } = {}): Promise<RegistryPeer> {
  const dir = makeTempDir('registry');
  const port = await freePort();
  const address = options.listen?.address ?? '127.0.0.1';
  const host = `${options.listen?.name ?? address}:${port}`;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${address}:${port}`,
  ];
  if (options.listen?.tls) lines.push('  tls:', `    certificate: ${options.listen.tls.certificate}`, `    key: ${options.listen.tls.key}`);
  if (options.auth?.kind === 'htpasswd') {
    const file = path.join(dir, 'htpasswd');
    fs.writeFileSync(file, '');
    for (const [user, password] of Object.entries(options.auth.users)) execFileSync('htpasswd', ['-bB', file, user, password], { stdio: 'ignore' });
    lines.push('auth:', '  htpasswd:', '    realm: intermodal-test', `    path: ${file}`);
  } else if (options.auth?.kind === 'token') {
    const a = options.auth;
    lines.push('auth:', '  token:', `    realm: ${a.realm}`, `    service: ${a.service}`, `    issuer: ${a.issuer}`, `    rootcertbundle: ${a.rootCertBundle}`);
  }
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, lines.join('\n') + '\n');
  const log = fs.openSync(path.join(dir, 'registry.log'), 'w');
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    }
    removeTempDir(dir);
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) {
      const text = fs.readFileSync(path.join(dir, 'registry.log'), 'utf8');
      await stop();
      throw new Error(`docker-registry exited with ${child.exitCode}: ${text}`);
    }
    if (await accepts(address, port)) return { host, dir, stop };
    await sleep(50);
  }
  await stop();
  throw new Error('docker-registry did not answer within 5 s');
}

/** True once something accepts TCP connections on address:port. */
function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
