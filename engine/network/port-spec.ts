/**
 * Parsing `-p [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp]` (Docker's syntax, ranges included:
 * `8080-8081:80-81`) and `-P`'s exposed ports into port requests. A host port of 0 means
 * "pick a free one" when the container is attached.
 */
import net from 'node:net';
import { InvalidArgumentError } from '../errors.js';
import type { PortRequest } from './network.js';
import { parseAddress } from './subnet.js';

/** Parses one `-p` value into one request per port. */
export function parsePublish(spec: string): PortRequest[] {
  const [body, proto = 'tcp', extra] = spec.split('/');
  if (extra !== undefined || (proto !== 'tcp' && proto !== 'udp')) throw new InvalidArgumentError(`invalid port spec '${spec}': protocol must be tcp or udp`);
  const parts = body!.split(':');
  if (parts.length > 3) throw new InvalidArgumentError(`invalid port spec '${spec}': expected [HOSTIP:][HOSTPORT:]CTRPORT[/PROTO]`);
  const containerPart = parts.pop()!;
  const hostPart = parts.pop() ?? '';
  const hostIp = parts.pop() ?? '0.0.0.0';
  try {
    parseAddress(hostIp);
  } catch {
    throw new InvalidArgumentError(`invalid port spec '${spec}': host IP '${hostIp}' is not an IPv4 address`);
  }
  const containerPorts = portRange(containerPart, spec, false);
  const hostPorts = hostPart === '' ? containerPorts.map(() => 0) : portRange(hostPart, spec, false);
  if (hostPorts.length !== containerPorts.length) throw new InvalidArgumentError(`invalid port spec '${spec}': host and container ranges differ in length`);
  return containerPorts.map((containerPort, i) => ({ protocol: proto, hostIp, hostPort: hostPorts[i]!, containerPort }));
}

/** Requests for `-P`: every port the image exposes (`80/tcp`, `53/udp`) to a free host port. */
export function publishAll(exposedPorts: Record<string, unknown> | undefined): PortRequest[] {
  return Object.keys(exposedPorts ?? {}).flatMap((key) => parsePublish(key.includes('/') ? key : `${key}/tcp`));
}

function portRange(text: string, spec: string, allowZero: boolean): number[] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const first = Number(m?.[1]);
  const last = m?.[2] === undefined ? first : Number(m[2]);
  if (!m || first > last || last > 65535 || (first === 0 && !allowZero)) throw new InvalidArgumentError(`invalid port spec '${spec}': '${text}' is not a port or port range (1-65535)`);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/**
 * Checks that no host socket listens on the port (a DNAT rule would silently shadow it),
 * and turns port 0 into a free ephemeral port, by binding it for a moment.
 */
export async function claimHostPort(p: PortRequest): Promise<PortRequest> {
  if (p.protocol === 'udp') return p.hostPort === 0 ? { ...p, hostPort: await freePort('udp', p.hostIp) } : p;
  return { ...p, hostPort: await freePort('tcp', p.hostIp, p.hostPort) };
}

async function freePort(protocol: 'tcp' | 'udp', hostIp: string, port = 0): Promise<number> {
  if (protocol === 'udp') {
    const dgram = await import('node:dgram');
    const socket = dgram.createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', (err: NodeJS.ErrnoException) => reject(new InvalidArgumentError(`cannot publish on ${hostIp}:${port}/udp: ${err.code ?? err.message}`)));
      socket.bind(port, hostIp, () => {
        const chosen = socket.address().port;
        socket.close(() => resolve(chosen));
      });
    });
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new InvalidArgumentError(`host port ${hostIp}:${port}/tcp is already in use on this host`) : new InvalidArgumentError(`cannot publish on ${hostIp}:${port}/tcp: ${err.code ?? err.message}`));
    });
    server.listen({ port, host: hostIp, exclusive: true }, () => {
      const chosen = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(chosen));
    });
  });
}
