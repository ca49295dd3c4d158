/**
 * Security groups as nftables rules inside each server's network namespace: a table
 * `inet intermodal_sg` there filters what enters and leaves the server's interfaces, so the
 * rules hold whatever path the traffic took (same bridge, published port, floating IP).
 * Default policy drop; established flows, loopback and what the groups' rules allow pass.
 * A rule naming a remote group matches a named set of the table (`ip saddr @g_<group>`)
 * holding the group's members' addresses: when a server joins or leaves a group, its peers'
 * tables change by one `add/delete element`, not by a new table. The table is replaced
 * whole when its rules change (idempotent), and goes with the namespace when the server is
 * deleted, so nothing is left on the host.
 *
 * The instance gets no CAP_NET_ADMIN, so it cannot change the table. The table is put in
 * place at every start before the instance's first process runs (the driver's pre-start
 * hook, ServerPorts.prestart). LIMITATION: a driver without that hook (docker) starts the
 * instance unfiltered until the apply that follows its start.
 */
import type { RuleRow } from './neutron-store.js';

export const firewallTable = 'intermodal_sg';

/**
 * A server's table as two parts: `table`, the table with its rules and its remote groups'
 * sets declared empty, and `sets`, each set's name → the addresses it must hold. Two plans
 * with the same `table` differ only by set elements.
 */
export interface FirewallPlan {
  table: string;
  sets: Map<string, string[]>;
}

/** The set holding a remote group's members (nft names allow letters, digits, underscores). */
export function groupSetName(groupId: string): string {
  return `g_${groupId.replace(/[^A-Za-z0-9]/g, '').slice(0, 64)}`;
}

/** One rule as nft text, or undefined when it cannot apply (a remote group on IPv6, where servers have no address). */
function ruleText(rule: RuleRow, sets: Map<string, string[]>, groupMembers: (groupId: string) => string[]): string | undefined {
  const v6 = rule.ethertype === 'IPv6';
  const parts = [`meta nfproto ${v6 ? 'ipv6' : 'ipv4'}`];
  const side = rule.direction === 'ingress' ? 'saddr' : 'daddr';
  const family = v6 ? 'ip6' : 'ip';
  if (rule.remote_ip_prefix) parts.push(`${family} ${side} ${rule.remote_ip_prefix}`);
  if (rule.remote_group_id) {
    if (v6) return undefined; // servers have IPv4 addresses only
    const name = groupSetName(rule.remote_group_id);
    if (!sets.has(name)) sets.set(name, [...new Set(groupMembers(rule.remote_group_id))].sort());
    parts.push(`${family} ${side} @${name}`);
  }
  const protocol = rule.protocol === null || rule.protocol === 'any' ? undefined : protocolName(rule.protocol, v6);
  if (protocol !== undefined) {
    if ((protocol === 'tcp' || protocol === 'udp' || protocol === 'sctp') && rule.port_range_min !== null) {
      const max = rule.port_range_max ?? rule.port_range_min;
      parts.push(`${protocol} dport ${rule.port_range_min === max ? max : `${rule.port_range_min}-${max}`}`);
    } else {
      parts.push(`meta l4proto ${protocol}`);
    }
  }
  return `${parts.join(' ')} accept`;
}

function protocolName(protocol: string, v6: boolean): string {
  const names: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'ipv6-icmp', '132': 'sctp', icmpv6: 'ipv6-icmp' };
  const name = names[protocol] ?? protocol;
  return name === 'icmp' && v6 ? 'ipv6-icmp' : name;
}

/** The plan for a server whose ports carry `rules` (the union of their groups'); undefined rules = port security off. */
export function firewallPlan(rules: RuleRow[] | undefined, groupMembers: (groupId: string) => string[]): FirewallPlan {
  const sets = new Map<string, string[]>();
  const chain = (hook: string, lines: string[]) => [
    `  chain ${hook} {`,
    `    type filter hook ${hook} priority filter; policy ${rules === undefined ? 'accept' : 'drop'};`,
    '    ct state established,related accept',
    `    ${hook === 'input' ? 'iifname' : 'oifname'} "lo" accept`,
    ...lines.map((l) => `    ${l}`),
    '  }',
  ];
  const texts = (direction: string) => (rules ?? []).filter((r) => r.direction === direction).map((r) => ruleText(r, sets, groupMembers)).filter((t): t is string => t !== undefined);
  const input = chain('input', texts('ingress'));
  const output = chain('output', texts('egress'));
  const table = [
    `table inet ${firewallTable} {`,
    ...[...sets.keys()].map((name) => `  set ${name} { type ipv4_addr; }`),
    ...input,
    ...output,
    '}',
    '',
  ].join('\n');
  return { table, sets };
}

const elements = (verb: 'add' | 'delete', set: string, addresses: string[]) =>
  addresses.length === 0 ? '' : `${verb} element inet ${firewallTable} ${set} { ${addresses.join(', ')} }\n`;

/**
 * The script that replaces the table with `plan` whole, its sets filled. Deleting a table
 * makes the kernel wait for a grace period (some 15 ms), so for a namespace that should
 * have none yet (`fresh`: a server's first apply) the script creates it instead, and
 * fails, changing nothing, if a table is there after all; the caller then replaces it.
 */
export function planScript(plan: FirewallPlan, options: { fresh?: boolean } = {}): string {
  const start = options.fresh ? `create table inet ${firewallTable}\n` : `table inet ${firewallTable} {}\ndelete table inet ${firewallTable}\n`;
  return start + plan.table + [...plan.sets].map(([set, addresses]) => elements('add', set, addresses)).join('');
}

/** The script that turns the sets `had` into the plan's (same table), or '' when they are equal. */
export function membershipScript(had: Map<string, ReadonlySet<string>>, plan: FirewallPlan): string {
  let script = '';
  for (const [set, addresses] of plan.sets) {
    const before = had.get(set) ?? new Set<string>();
    const now = new Set(addresses);
    script += elements('delete', set, [...before].filter((a) => !now.has(a)));
    script += elements('add', set, addresses.filter((a) => !before.has(a)));
  }
  return script;
}

/** The whole script for a server (see firewallPlan): its table, then its sets' elements. */
export function firewallRuleset(rules: RuleRow[] | undefined, groupMembers: (groupId: string) => string[]): string {
  return planScript(firewallPlan(rules, groupMembers));
}
