/**
 * The metadata service at http://169.254.169.254/ as servers see it: a small HTTP server on
 * 127.0.0.1 (a free port) to which each Neutron bridge DNATs 169.254.169.254:80
 * (floating-ip-nat.ts). A request is answered for the server whose fixed IP it comes from,
 * and for no other; an address no port has gets 404. OpenStack's `/openstack/latest/
 * meta_data.json` and `user_data`, and EC2's basic `/latest/meta-data/` keys.
 *
 * Everything is GET-only but one thing: a POST to a signal path (a Heat wait condition
 * handle's `endpoint`, `/heat-api/v1/.../signal?token=...`) is handed to the receiver Heat
 * registered (metadata-signals.ts), which takes it only with the handle's token. That is
 * how a boot script inside a server reaches the cloud: the cloud's own listener is on
 * 127.0.0.1, which a server's network namespace cannot reach.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudDatabase } from '../http/cloud-database.js';
import { statusOf } from '../http/api-error.js';
import { hostnameOf } from '../compute/compute-manager.js';
import { metaDataOf } from '../compute/instance-files.js';
import { type ServerRecord, ServerStore } from '../compute/server-store.js';
import type { FloatingIpRow, NeutronStore, PortRow } from './neutron-store.js';
import { metadataSignalReceiverOf } from './metadata-signals.js';

export const metadataAddress = '169.254.169.254';

/** A signal is a small JSON document; anything larger is refused unread. */
const maxSignalBytes = 64 * 1024;

export class MetadataServer {
  private server?: http.Server;
  private readonly servers: ServerStore;

  constructor(private readonly store: NeutronStore, private readonly db: CloudDatabase) {
    this.servers = new ServerStore(db);
  }

  /** Listens on 127.0.0.1; resolves with the port. */
  async start(): Promise<number> {
    this.server = http.createServer((request, response) => {
      const raw = request.url ?? '/';
      const at = raw.indexOf('?');
      const path = at < 0 ? raw : raw.slice(0, at);
      const query = new URLSearchParams(at < 0 ? '' : raw.slice(at + 1));
      const send = ({ status, body }: { status: number; body: string }) =>
        response.writeHead(status, { 'content-type': body.startsWith('{') ? 'application/json' : 'text/plain' }).end(body);
      const receiver = metadataSignalReceiverOf(this.db);
      if (request.method === 'POST' && receiver?.accepts(path)) {
        void this.signal(request, (body) => receiver.receive(path, query.get('token') ?? '', body)).then(send);
        return;
      }
      send(this.answer(request.method ?? 'GET', path, request.socket.remoteAddress ?? ''));
    });
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Reads a signal's JSON body and hands it on; the answer says whether it was taken. */
  private async signal(request: http.IncomingMessage, receive: (body: unknown) => void): Promise<{ status: number; body: string }> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of request as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxSignalBytes) {
          return { status: 413, body: `413 A signal is at most ${maxSignalBytes} bytes\n` };
        }
        chunks.push(chunk);
      }
      const text = Buffer.concat(chunks).toString('utf8').trim();
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        return { status: 400, body: '400 The signal is not JSON\n' };
      }
      receive(body);
      return { status: 200, body: '' };
    } catch (err) {
      const { status, message } = statusOf(err);
      return { status, body: `${status} ${message}\n` };
    }
  }

  /** The answer to `path` for the server at `source`. */
  answer(method: string, path: string, source: string): { status: number; body: string } {
    const notFound = { status: 404, body: '404 Not Found\n' };
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, body: '405 Method Not Allowed\n' };
    const address = source.replace(/^::ffff:/, '');
    const port = this.store.db.prepare("SELECT * FROM neutron_ports WHERE fixed_ip = ? AND device_id != '' LIMIT 1").get(address) as PortRow | undefined;
    if (!port) return notFound;
    let server: ServerRecord;
    try { server = this.servers.get(port.device_id); } catch { return notFound; }
    const hostname = hostnameOf(server.name);
    const userData = server.userData !== undefined ? Buffer.from(server.userData, 'base64').toString('utf8') : undefined;
    const floating = this.store.floatingIpOfPort(port.id)[0] as FloatingIpRow | undefined;
    const ec2: Record<string, string> = {
      'instance-id': server.id, hostname, 'local-hostname': hostname, 'local-ipv4': address, 'public-ipv4': floating?.address ?? '',
      'placement/availability-zone': server.availabilityZone, 'ami-launch-index': '0', 'instance-type': server.flavorId,
      ...(server.keyData !== undefined && { 'public-keys/0/openssh-key': server.keyData }),
    };
    const clean = path.replace(/\/+$/, '') || '/';
    const answers: Record<string, string | undefined> = {
      '/openstack': 'latest\n',
      '/openstack/latest': `meta_data.json\n${userData !== undefined ? 'user_data\n' : ''}`,
      '/openstack/latest/meta_data.json': JSON.stringify(metaDataOf(server, hostname)),
      '/openstack/latest/user_data': userData,
      '/latest': `meta-data/\n${userData !== undefined ? 'user-data\n' : ''}`,
      '/latest/meta-data': `${[...new Set(Object.keys(ec2).map((k) => k.split('/')[0]! + (k.includes('/') ? '/' : '')))].join('\n')}\n`,
      '/latest/user-data': userData,
      ...Object.fromEntries(Object.entries(ec2).map(([k, v]) => [`/latest/meta-data/${k}`, v])),
      ...(server.keyName !== undefined && { '/latest/meta-data/public-keys': `0=${server.keyName}\n`, '/latest/meta-data/public-keys/0': 'openssh-key\n' }),
    };
    const body = answers[clean];
    return body === undefined ? notFound : { status: 200, body };
  }
}
