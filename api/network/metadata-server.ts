/**
 * The metadata service at http://169.254.169.254/ as servers see it: a small HTTP server on
 * 127.0.0.1 (a free port) to which each Neutron bridge DNATs 169.254.169.254:80
 * (floating-ip-nat.ts). A request is answered for the server whose fixed IP it comes from,
 * and for no other; an address no port has gets 404. OpenStack's `/openstack/latest/
 * meta_data.json` and `user_data`, and EC2's basic `/latest/meta-data/` keys.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudDatabase } from '../http/cloud-database.js';
import { hostnameOf } from '../compute/compute-manager.js';
import { metaDataOf } from '../compute/instance-files.js';
import { type ServerRecord, ServerStore } from '../compute/server-store.js';
import type { FloatingIpRow, NeutronStore, PortRow } from './neutron-store.js';

export const metadataAddress = '169.254.169.254';

export class MetadataServer {
  private server?: http.Server;
  private readonly servers: ServerStore;

  constructor(private readonly store: NeutronStore, db: CloudDatabase) {
    this.servers = new ServerStore(db);
  }

  /** Listens on 127.0.0.1; resolves with the port. */
  async start(): Promise<number> {
    this.server = http.createServer((request, response) => {
      const { status, body } = this.answer(request.method ?? 'GET', (request.url ?? '/').split('?')[0]!, request.socket.remoteAddress ?? '');
      response.writeHead(status, { 'content-type': body.startsWith('{') ? 'application/json' : 'text/plain' }).end(body);
    });
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
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
