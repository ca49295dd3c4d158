/**
 * Neutron's records in cloud.db: networks, subnets (one per network: it is the engine
 * network's subnet), ports, security groups with their rules, and floating IPs. Rows are
 * returned as they are stored; neutron-views.ts shapes them for the wire.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { NotFoundError } from '../../engine/errors.js';
import type { CloudDatabase } from '../http/cloud-database.js';

export interface NetworkRow {
  id: string; project_id: string; name: string; description: string; shared: number; external: number; admin_state_up: number;
  mtu: number; auto_allocated: number; created_at: number; updated_at: number;
}
export interface SubnetRow {
  id: string; network_id: string; project_id: string; name: string; description: string; cidr: string; gateway_ip: string;
  engine_network: string | null; created_at: number; updated_at: number;
}
export interface PortRow {
  id: string; network_id: string; project_id: string; name: string; description: string; mac: string; fixed_ip: string | null;
  device_id: string; device_owner: string; security_groups: string; port_security: number; made_by_nova: number; created_at: number; updated_at: number;
}
export interface GroupRow { id: string; project_id: string; name: string; description: string; created_at: number; updated_at: number }
export interface RuleRow {
  id: string; security_group_id: string; project_id: string; direction: 'ingress' | 'egress'; ethertype: 'IPv4' | 'IPv6'; protocol: string | null;
  port_range_min: number | null; port_range_max: number | null; remote_ip_prefix: string | null; remote_group_id: string | null; description: string; created_at: number;
}
export interface FloatingIpRow {
  id: string; project_id: string; floating_network_id: string; address: string; port_id: string | null; description: string; created_at: number; updated_at: number;
}

type Table = 'neutron_networks' | 'neutron_subnets' | 'neutron_ports' | 'neutron_security_groups' | 'neutron_security_group_rules' | 'neutron_floating_ips';
const kinds: Record<Table, string> = {
  neutron_networks: 'Network', neutron_subnets: 'Subnet', neutron_ports: 'Port', neutron_security_groups: 'Security group',
  neutron_security_group_rules: 'Security group rule', neutron_floating_ips: 'Floating IP',
};

/** A MAC in OpenStack's fa:16:3e prefix, as Neutron gives its ports. */
export function neutronMac(): string {
  return ['fa', '16', '3e', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export class NeutronStore {
  constructor(readonly db: CloudDatabase) {}

  get<T>(table: Table, id: string): T {
    const row = this.db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as T | undefined;
    if (!row) throw new NotFoundError(`${kinds[table]} ${id} could not be found.`);
    return row;
  }

  find<T>(table: Table, id: string): T | undefined {
    return this.db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as T | undefined;
  }

  all<T>(table: Table): T[] {
    return this.db.prepare(`SELECT * FROM ${table} ORDER BY created_at, id`).all() as T[];
  }

  /** Inserts a row with a new id and timestamps; returns it. */
  insert<T>(table: Table, values: Record<string, unknown>): T {
    const now = Date.now();
    const row: Record<string, unknown> = { id: randomUUID(), ...values, created_at: now };
    if (table !== 'neutron_security_group_rules') row.updated_at = now;
    const keys = Object.keys(row);
    this.db.prepare(`INSERT INTO ${table} (${keys.join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`).run(...keys.map((k) => row[k]));
    return this.get<T>(table, row.id as string);
  }

  update<T>(table: Table, id: string, values: Record<string, unknown>): T {
    const keys = Object.keys(values);
    if (keys.length > 0) {
      const stamp = table === 'neutron_security_group_rules' ? '' : ', updated_at = ?';
      const args = [...keys.map((k) => values[k]), ...(stamp ? [Date.now()] : []), id];
      this.db.prepare(`UPDATE ${table} SET ${keys.map((k) => `${k} = ?`).join(', ')}${stamp} WHERE id = ?`).run(...args);
    }
    return this.get<T>(table, id);
  }

  delete(table: Table, id: string): void {
    this.db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(id);
  }

  subnetOf(networkId: string): SubnetRow | undefined {
    return this.db.prepare('SELECT * FROM neutron_subnets WHERE network_id = ?').get(networkId) as SubnetRow | undefined;
  }

  portsOf(filter: { networkId?: string; deviceId?: string }): PortRow[] {
    if (filter.deviceId !== undefined) return this.db.prepare('SELECT * FROM neutron_ports WHERE device_id = ? ORDER BY created_at').all(filter.deviceId) as PortRow[];
    return this.db.prepare('SELECT * FROM neutron_ports WHERE network_id = ? ORDER BY created_at').all(filter.networkId) as PortRow[];
  }

  rulesOf(groupId: string): RuleRow[] {
    return this.db.prepare('SELECT * FROM neutron_security_group_rules WHERE security_group_id = ? ORDER BY created_at, id').all(groupId) as RuleRow[];
  }

  /** The project's `default` security group, made (with Neutron's default rules) on first use. */
  defaultGroup(projectId: string): GroupRow {
    return this.db.transaction(() => {
      const found = this.db.prepare("SELECT * FROM neutron_security_groups WHERE project_id = ? AND name = 'default' ORDER BY created_at LIMIT 1").get(projectId) as GroupRow | undefined;
      if (found) return found;
      const group = this.insert<GroupRow>('neutron_security_groups', { project_id: projectId, name: 'default', description: 'Default security group' });
      this.addDefaultRules(group, true);
      return group;
    }).immediate();
  }

  /** Neutron's rules of a new group: all egress; for `default`, ingress from members of the group itself. */
  addDefaultRules(group: GroupRow, fromSelf: boolean): void {
    for (const ethertype of ['IPv4', 'IPv6']) {
      this.insert('neutron_security_group_rules', { security_group_id: group.id, project_id: group.project_id, direction: 'egress', ethertype });
      if (fromSelf) this.insert('neutron_security_group_rules', { security_group_id: group.id, project_id: group.project_id, direction: 'ingress', ethertype, remote_group_id: group.id });
    }
  }

  /** A project's security group by id or name (ids first); undefined if none. */
  findGroup(projectId: string, ref: string): GroupRow | undefined {
    if (ref === 'default') return this.defaultGroup(projectId);
    const byId = this.find<GroupRow>('neutron_security_groups', ref);
    if (byId && byId.project_id === projectId) return byId;
    return this.db.prepare('SELECT * FROM neutron_security_groups WHERE project_id = ? AND name = ? ORDER BY created_at LIMIT 1').get(projectId, ref) as GroupRow | undefined;
  }

  floatingIpOfPort(portId: string): FloatingIpRow[] {
    return this.db.prepare('SELECT * FROM neutron_floating_ips WHERE port_id = ?').all(portId) as FloatingIpRow[];
  }

  usage(projectId: string): Record<string, number> {
    const count = (table: Table) => (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?`).get(projectId) as { n: number }).n;
    return {
      network: count('neutron_networks'), subnet: count('neutron_subnets'), port: count('neutron_ports'), floatingip: count('neutron_floating_ips'),
      security_group: count('neutron_security_groups'), security_group_rule: count('neutron_security_group_rules'),
    };
  }
}
