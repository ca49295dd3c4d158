/**
 * A private dockerd listening on 127.0.0.1 over TCP with TLS client verification, as a
 * remote Docker host is set up: a scratch CA (made with the openssl CLI) signs the
 * daemon's certificate and one client certificate. Stopped by its PID.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TlsDockerd {
  endpoint: string;
  /** PEM files: the CA, and the client's certificate and key. */
  ca: string;
  cert: string;
  key: string;
  /** Runs the docker client against the daemon over TLS. */
  docker(args: string[]): string;
  stop(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes the CA, the server certificate (for 127.0.0.1) and a client certificate in `dir`. */
function makeCertificates(dir: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', 'ca-key.pem', '-out', 'ca.pem'], dir);
  for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'], ['client', 'extendedKeyUsage=clientAuth\n']] as const) {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}-cert.pem`], dir);
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the daemon; a reason string when it cannot run here. */
export async function startTlsDockerd(root: string): Promise<TlsDockerd | { reason: string }> {
  if (!fs.existsSync('/usr/sbin/dockerd') && !fs.existsSync('/usr/bin/dockerd')) return { reason: 'dockerd not installed (apt-get install docker.io)' };
  const certs = path.join(root, 'certs');
  fs.mkdirSync(certs, { recursive: true });
  makeCertificates(certs);
  const port = await freePort();
  const endpoint = `tcp://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(root, 'dockerd.log'), 'w');
  const daemon: ChildProcess = spawn('dockerd', [
    '--data-root', path.join(root, 'docker'), '--exec-root', path.join(root, 'docker-exec'), '--pidfile', path.join(root, 'docker.pid'),
    '--host', endpoint, '--tlsverify', '--tlscacert', path.join(certs, 'ca.pem'), '--tlscert', path.join(certs, 'server-cert.pem'), '--tlskey', path.join(certs, 'server-key.pem'),
    '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--storage-driver', 'overlay2',
  ], { stdio: ['ignore', log, log] });
  const ca = path.join(certs, 'ca.pem');
  const cert = path.join(certs, 'client-cert.pem');
  const key = path.join(certs, 'client-key.pem');
  const docker = (args: string[]): string => execFileSync('docker', ['-H', endpoint, '--tlsverify', '--tlscacert', ca, '--tlscert', cert, '--tlskey', key, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async (): Promise<void> => {
    daemon.kill('SIGTERM');
    for (let j = 0; j < 100 && daemon.exitCode === null; j++) await sleep(100);
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  };
  for (let i = 0; i < 100; i++) {
    if (daemon.exitCode !== null) return { reason: `dockerd exited with ${daemon.exitCode}; see ${root}/dockerd.log` };
    try {
      docker(['version', '--format', '{{.Server.Version}}']);
      return { endpoint, ca, cert, key, docker, stop };
    } catch {
      await sleep(200);
    }
  }
  await stop();
  return { reason: 'dockerd did not answer over TLS within 20 s' };
}
