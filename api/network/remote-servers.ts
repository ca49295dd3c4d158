/**
 * Servers whose interfaces live on another host's networking (a Docker compute host: see
 * drivers/docker/docker-networks.ts). The compute driver says so in the instance's info
 * (`remoteNetwork`), and it is kept here per server, in the cloud database so it holds
 * across a restart. Neutron then refuses what it cannot make true for such a server,
 * instead of accepting it and doing nothing: a floating IP (its NAT is on this machine) and
 * a change of a port's security groups (the rules are nftables in this machine's network
 * namespaces). Their fixed IPs are real, on that host.
 */
import { conflict } from '../http/api-error.js';
import { type CloudDatabase, migrateService } from '../http/cloud-database.js';
import type { PortRow } from './neutron-store.js';

const migrations = ['CREATE TABLE neutron_remote_servers (server_id TEXT PRIMARY KEY)'] as const;

const registry = new WeakMap<CloudDatabase, RemoteServers>();

/** The record of one cloud database. */
export function remoteServersOf(db: CloudDatabase): RemoteServers {
  let found = registry.get(db);
  if (!found) registry.set(db, (found = new RemoteServers(db)));
  return found;
}

export class RemoteServers {
  constructor(private readonly db: CloudDatabase) {
    migrateService(db, 'network-remote-servers', migrations);
  }

  /** Records where the server's interfaces are, after each start. */
  mark(serverId: string, remote: boolean): void {
    if (remote) this.db.prepare('INSERT OR IGNORE INTO neutron_remote_servers (server_id) VALUES (?)').run(serverId);
    else this.db.prepare('DELETE FROM neutron_remote_servers WHERE server_id = ?').run(serverId);
  }

  has(serverId: string): boolean {
    return this.db.prepare('SELECT 1 FROM neutron_remote_servers WHERE server_id = ?').get(serverId) !== undefined;
  }

  /** 409 when the port is a remote server's: `what` cannot reach it. */
  refuse(port: PortRow, what: string): void {
    if (port.device_id === '' || !this.has(port.device_id)) return;
    throw conflict(`${what} cannot reach server ${port.device_id}: it runs on a Docker compute host, whose networks this cloud does not route to or filter (port ${port.id}).`);
  }
}
