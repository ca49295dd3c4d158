/** Neutron's tables in cloud.db. Append-only migrations. */
export const neutronMigrations: readonly string[] = [
  `CREATE TABLE neutron_networks (
     id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
     shared INTEGER NOT NULL DEFAULT 0, external INTEGER NOT NULL DEFAULT 0, admin_state_up INTEGER NOT NULL DEFAULT 1,
     mtu INTEGER NOT NULL DEFAULT 1500, auto_allocated INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   );
   CREATE TABLE neutron_subnets (
     id TEXT PRIMARY KEY, network_id TEXT NOT NULL UNIQUE REFERENCES neutron_networks(id), project_id TEXT NOT NULL, name TEXT NOT NULL,
     description TEXT NOT NULL DEFAULT '', cidr TEXT NOT NULL, gateway_ip TEXT NOT NULL,
     engine_network TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   );
   CREATE TABLE neutron_security_groups (
     id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   );
   CREATE TABLE neutron_security_group_rules (
     id TEXT PRIMARY KEY, security_group_id TEXT NOT NULL REFERENCES neutron_security_groups(id) ON DELETE CASCADE, project_id TEXT NOT NULL,
     direction TEXT NOT NULL, ethertype TEXT NOT NULL, protocol TEXT, port_range_min INTEGER, port_range_max INTEGER,
     remote_ip_prefix TEXT, remote_group_id TEXT, description TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL
   );
   CREATE TABLE neutron_ports (
     id TEXT PRIMARY KEY, network_id TEXT NOT NULL REFERENCES neutron_networks(id), project_id TEXT NOT NULL, name TEXT NOT NULL,
     description TEXT NOT NULL DEFAULT '', mac TEXT NOT NULL UNIQUE, fixed_ip TEXT, device_id TEXT NOT NULL DEFAULT '',
     device_owner TEXT NOT NULL DEFAULT '', security_groups TEXT NOT NULL DEFAULT '[]', port_security INTEGER NOT NULL DEFAULT 1,
     made_by_nova INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   );
   CREATE INDEX neutron_ports_device ON neutron_ports (device_id);
   CREATE TABLE neutron_floating_ips (
     id TEXT PRIMARY KEY, project_id TEXT NOT NULL, floating_network_id TEXT NOT NULL REFERENCES neutron_networks(id),
     address TEXT NOT NULL UNIQUE, port_id TEXT REFERENCES neutron_ports(id), description TEXT NOT NULL DEFAULT '',
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   );`,
];
