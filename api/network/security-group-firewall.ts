/**
 * Security groups as nftables rules inside each server's network namespace: a table
 * `inet intermodal_sg` there filters what enters and leaves the server's interfaces, so the
 * rules hold whatever path the traffic took (same bridge, published port, floating IP).
 * Default policy drop; established flows, loopback and what the groups' rules allow pass.
 * The table is replaced whole on every change (idempotent), and goes with the namespace
 * when the server is deleted, so nothing is left on the host.
 *
 * The instance gets no CAP_NET_ADMIN, so it cannot change the table. The table is put in
 * place at every start before the instance's first process runs (the driver's pre-start
 * hook, ServerPorts.prestart). LIMITATION: a driver without that hook (docker) starts the
 * instance unfiltered until the apply that follows its start.
 */
import { runHostCommand } from '../../engine/network/host-command.js';
import type { RuleRow } from './neutron-store.js';

export const firewallTable = 'intermodal_sg';

/** One rule as nft text, or undefined when it can match nothing (a remote group with no members). */
function ruleText(rule: RuleRow, groupMembers: (groupId: string) => string[]): string | undefined {
  const v6 = rule.ethertype === 'IPv6';
  const parts = [`meta nfproto ${v6 ? 'ipv6' : 'ipv4'}`];
  const side = rule.direction === 'ingress' ? 'saddr' : 'daddr';
  const family = v6 ? 'ip6' : 'ip';
  if (rule.remote_ip_prefix) parts.push(`${family} ${side} ${rule.remote_ip_prefix}`);
  if (rule.remote_group_id) {
    if (v6) return undefined; // servers have IPv4 addresses only
    const members = groupMembers(rule.remote_group_id);
    if (members.length === 0) return undefined;
    parts.push(`${family} ${side} { ${members.join(', ')} }`);
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

/** The ruleset for a server whose ports carry `rules` (the union of their groups'); undefined rules = port security off. */
export function firewallRuleset(rules: RuleRow[] | undefined, groupMembers: (groupId: string) => string[]): string {
  const chain = (hook: string, lines: string[]) => [
    `  chain ${hook} {`,
    `    type filter hook ${hook} priority filter; policy ${rules === undefined ? 'accept' : 'drop'};`,
    '    ct state established,related accept',
    `    ${hook === 'input' ? 'iifname' : 'oifname'} "lo" accept`,
    ...lines.map((l) => `    ${l}`),
    '  }',
  ];
  const texts = (direction: string) => (rules ?? []).filter((r) => r.direction === direction).map((r) => ruleText(r, groupMembers)).filter((t): t is string => t !== undefined);
  return [
    `table inet ${firewallTable} {}`,
    `delete table inet ${firewallTable}`,
    `table inet ${firewallTable} {`,
    ...chain('input', texts('ingress')),
    ...chain('output', texts('egress')),
    '}',
    '',
  ].join('\n');
}

/** Replaces the table in the namespace at `netns` (a /run/netns path or /proc/PID/ns/net). */
export async function applyFirewall(netns: string, ruleset: string): Promise<void> {
  await runHostCommand('nsenter', [`--net=${netns}`, 'nft', '-f', '-'], ruleset);
}
