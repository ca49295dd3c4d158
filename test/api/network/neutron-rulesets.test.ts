/**
 * The nftables text the network service generates, checked by the real `nft` in check
 * mode (`-c`: parsed and validated by the kernel's rules, nothing applied), and what each
 * Neutron rule becomes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { floatingRuleset } from '../../../api/network/floating-ip-nat.js';
import type { RuleRow } from '../../../api/network/neutron-store.js';
import { firewallPlan, firewallRuleset, membershipScript } from '../../../api/network/security-group-firewall.js';

const nftAccepts = (text: string) => {
  const result = spawnSync('nft', ['-c', '-f', '-'], { input: text, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
};

const rule = (over: Partial<RuleRow>): RuleRow => ({
  id: 'r', security_group_id: 'g', project_id: 'p', direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null,
  remote_ip_prefix: null, remote_group_id: null, description: '', created_at: 0, ...over,
});

describe('neutron nftables rulesets', () => {
  it('turns security group rules into a drop-by-default table nft accepts', () => {
    const text = firewallRuleset([
      rule({ direction: 'egress' }),
      rule({ direction: 'egress', ethertype: 'IPv6' }),
      rule({ protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '0.0.0.0/0' }),
      rule({ protocol: 'udp', port_range_min: 5000, port_range_max: 5010 }),
      rule({ protocol: 'icmp' }),
      rule({ remote_group_id: 'g1' }),
      rule({ remote_group_id: 'empty' }),
      rule({ protocol: '6', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '10.0.0.0/8' }),
    ], (g) => (g === 'g1' ? ['10.1.0.2', '10.1.0.3'] : []));
    nftAccepts(text);
    assert.match(text, /policy drop/);
    assert.match(text, /ip saddr 0\.0\.0\.0\/0 tcp dport 80 accept/);
    assert.match(text, /udp dport 5000-5010 accept/);
    assert.match(text, /meta l4proto icmp accept/);
    // A remote group is a named set of the table, filled with its members' addresses.
    assert.match(text, /set g_g1 \{ type ipv4_addr; \}/);
    assert.match(text, /ip saddr @g_g1 accept/);
    assert.match(text, /add element inet intermodal_sg g_g1 \{ 10\.1\.0\.2, 10\.1\.0\.3 \}/);
    assert.match(text, /ip saddr 10\.0\.0\.0\/8 tcp dport 22 accept/);
    assert.match(text, /ip saddr @g_empty accept/);
    assert.doesNotMatch(text, /add element inet intermodal_sg g_empty/, 'a remote group with no member has an empty set, which allows nothing');
  });

  it('turns a change of a remote group\'s members into element changes of its set, and nothing when none changed', () => {
    const rules = [rule({ remote_group_id: 'g1' })];
    const before = firewallPlan(rules, () => ['10.1.0.2', '10.1.0.3']);
    const after = firewallPlan(rules, () => ['10.1.0.3', '10.1.0.4']);
    assert.equal(after.table, before.table, 'the rules did not change, so neither does the table');
    const had = new Map([...before.sets].map(([set, addresses]) => [set, new Set(addresses)]));
    assert.equal(membershipScript(had, after), 'delete element inet intermodal_sg g_g1 { 10.1.0.2 }\nadd element inet intermodal_sg g_g1 { 10.1.0.4 }\n');
    assert.equal(membershipScript(had, before), '');
    nftAccepts(firewallRuleset(rules, () => ['10.1.0.2']) + membershipScript(had, after));
  });

  it('leaves a port with port security off open', () => {
    const text = firewallRuleset(undefined, () => []);
    nftAccepts(text);
    assert.doesNotMatch(text, /policy drop/);
  });

  it('maps floating IPs and the metadata route, and removes the table when there is nothing', () => {
    const text = floatingRuleset('intermodal_test_fip', [{ floating: '127.0.100.2', fixed: '10.231.1.3' }], { port: 41234, bridges: 'imabcdb*' });
    nftAccepts(text);
    assert.match(text, /ip daddr 127\.0\.100\.2 dnat to 10\.231\.1\.3/);
    assert.match(text, /iifname "imabcdb\*" ip daddr 169\.254\.169\.254 tcp dport 80 dnat to 127\.0\.0\.1:41234/);
    const empty = floatingRuleset('intermodal_test_fip', []);
    nftAccepts(empty);
    assert.doesNotMatch(empty, /dnat/);
  });
});
