/** Neutron v2.0 response bodies from stored rows (the fields `openstack` and the SDK read). */
import { formatAddress, parseSubnet } from '../../engine/network/subnet.js';
import type { FloatingIpRow, GroupRow, NetworkRow, NeutronStore, PortRow, RuleRow, SubnetRow } from './neutron-store.js';

const time = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const common = (row: { id: string; project_id: string; created_at: number; updated_at?: number }) => ({
  id: row.id, tenant_id: row.project_id, project_id: row.project_id, tags: [], created_at: time(row.created_at), updated_at: time(row.updated_at ?? row.created_at), revision_number: 1,
});

export function networkView(store: NeutronStore, n: NetworkRow) {
  const subnet = store.subnetOf(n.id);
  return {
    ...common(n), name: n.name, description: n.description, admin_state_up: n.admin_state_up === 1, status: 'ACTIVE', mtu: n.mtu,
    subnets: subnet ? [subnet.id] : [], shared: n.shared === 1, 'router:external': n.external === 1, port_security_enabled: true,
    availability_zone_hints: [], availability_zones: ['nova'], ipv4_address_scope: null, ipv6_address_scope: null, is_default: n.auto_allocated === 1,
    'provider:network_type': n.external === 1 ? 'flat' : 'local', 'provider:physical_network': null, 'provider:segmentation_id': null,
  };
}

/** The addresses of a subnet that ports may get: after the gateway to before the broadcast. */
export function allocationPool(cidr: string): { start: string; end: string } {
  const s = parseSubnet(cidr);
  return { start: formatAddress(s.network + 2), end: formatAddress(s.network + 2 ** (32 - s.prefix) - 2) };
}

export function subnetView(s: SubnetRow) {
  return {
    ...common(s), name: s.name, description: s.description, network_id: s.network_id, ip_version: 4, cidr: s.cidr, gateway_ip: s.gateway_ip,
    allocation_pools: [allocationPool(s.cidr)], enable_dhcp: true, dns_nameservers: [], host_routes: [], ipv6_ra_mode: null, ipv6_address_mode: null,
    subnetpool_id: null, service_types: [], dns_publish_fixed_ip: false,
  };
}

export function portView(store: NeutronStore, p: PortRow) {
  const subnet = store.subnetOf(p.network_id);
  return {
    ...common(p), name: p.name, description: p.description, network_id: p.network_id, mac_address: p.mac, admin_state_up: true,
    status: p.device_id !== '' && p.fixed_ip !== null ? 'ACTIVE' : 'DOWN', device_id: p.device_id, device_owner: p.device_owner,
    fixed_ips: p.fixed_ip !== null && subnet ? [{ subnet_id: subnet.id, ip_address: p.fixed_ip }] : [],
    security_groups: JSON.parse(p.security_groups) as string[], port_security_enabled: p.port_security === 1,
    allowed_address_pairs: [], extra_dhcp_opts: [], 'binding:vnic_type': 'normal', 'binding:host_id': '', 'binding:vif_type': p.device_id ? 'ovs' : 'unbound',
    'binding:vif_details': {}, 'binding:profile': {}, dns_name: '', dns_assignment: [], propagate_uplink_status: false,
  };
}

export function ruleView(r: RuleRow) {
  return {
    ...common(r), security_group_id: r.security_group_id, direction: r.direction, ethertype: r.ethertype, protocol: r.protocol,
    port_range_min: r.port_range_min, port_range_max: r.port_range_max, remote_ip_prefix: r.remote_ip_prefix, remote_group_id: r.remote_group_id,
    remote_address_group_id: null, normalized_cidr: r.remote_ip_prefix, description: r.description, belongs_to_default_sg: false,
  };
}

export function groupView(store: NeutronStore, g: GroupRow) {
  return { ...common(g), name: g.name, description: g.description, stateful: true, shared: false, security_group_rules: store.rulesOf(g.id).map(ruleView) };
}

export function floatingIpView(store: NeutronStore, f: FloatingIpRow) {
  const port = f.port_id !== null ? store.find<PortRow>('neutron_ports', f.port_id) : undefined;
  return {
    ...common(f), floating_ip_address: f.address, floating_network_id: f.floating_network_id, router_id: null, port_id: f.port_id,
    fixed_ip_address: port?.fixed_ip ?? null, status: port?.fixed_ip ? 'ACTIVE' : 'DOWN', description: f.description, qos_policy_id: null,
    port_details: port ? { name: port.name, network_id: port.network_id, mac_address: port.mac, admin_state_up: true, status: 'ACTIVE', device_id: port.device_id, device_owner: port.device_owner } : null,
    port_forwardings: [], dns_domain: '', dns_name: '',
  };
}

/** Neutron's list filters: every query key that is a field of the view must match (as a string; repeated keys: any of). */
export function matchesQuery(view: Record<string, unknown>, query: Record<string, unknown>): boolean {
  for (const [key, wanted] of Object.entries(query)) {
    if (!(key in view) || ['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse'].includes(key)) continue;
    const values = (Array.isArray(wanted) ? wanted : [wanted]).map(String);
    const actual = view[key];
    const text = typeof actual === 'boolean' ? String(actual) : actual === null ? '' : String(actual);
    if (!values.some((v) => (typeof actual === 'boolean' ? v.toLowerCase() === text : v === text))) return false;
  }
  return true;
}
