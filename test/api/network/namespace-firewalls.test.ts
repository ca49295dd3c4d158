/**
 * NamespaceFirewalls on real network namespaces made here (`ip netns add`, this test's
 * prefix, deleted afterwards): the security-group table lands in each, a change of a remote
 * group's members changes only the set's elements (the table is not made anew: its handle
 * stays), a namespace that vanished is a warning while the others are applied (and an
 * error for a strict apply), and a table changed behind its back is put right whole.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import type winston from 'winston';
import { NamespaceFirewalls, type WantedFirewall } from '../../../api/network/namespace-firewalls.js';
import type { RuleRow } from '../../../api/network/neutron-store.js';
import { firewallPlan, groupSetName } from '../../../api/network/security-group-firewall.js';

const prefix = `imtest-sgns-${crypto.randomBytes(3).toString('hex')}`;
const nftIn = (ns: string, ...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, 'nft', ...args], { encoding: 'utf8' });
const tableHandle = (ns: string) => /table inet intermodal_sg # handle (\d+)/.exec(nftIn(ns, '-a', 'list', 'tables'))?.[1];
const setOf = (ns: string) => nftIn(ns, 'list', 'set', 'inet', 'intermodal_sg', groupSetName('peers'));

const rule = (over: Partial<RuleRow>): RuleRow => ({
  id: 'r', security_group_id: 'peers', project_id: 'p', direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null,
  remote_ip_prefix: null, remote_group_id: null, description: '', created_at: 0, ...over,
});

describe('security-group tables in server namespaces', () => {
  const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
  const warnings: Array<Record<string, unknown>> = [];
  const log = { warn: (_m: string, meta: Record<string, unknown>) => warnings.push(meta) } as unknown as winston.Logger;
  let firewalls: NamespaceFirewalls;
  /** What each namespace should hold when the group's members are `members`. */
  const wanted = (members: string[], rules = [rule({ remote_group_id: 'peers' }), rule({ direction: 'egress' })]) => () =>
    new Map<string, WantedFirewall>(names.map((n) => [n, { serverId: `server-${n}`, netns: `/run/netns/${n}`, plan: firewallPlan(rules, () => members) }]));

  before(() => { for (const n of names) execFileSync('ip', ['netns', 'add', n]); firewalls = new NamespaceFirewalls(log); });
  after(() => { for (const n of names) execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' }); });

  it('puts each server\'s table in its namespace, with the group\'s members in its set, replacing one left from before', async () => {
    // What an earlier API process left in one namespace (a server that outlived a restart).
    execFileSync('ip', ['netns', 'exec', names[0]!, 'nft', '-f', '-'], { input: 'table inet intermodal_sg {\n chain input { type filter hook input priority filter; tcp dport 9999 accept; }\n}\n' });
    await firewalls.apply(names, wanted(['10.9.0.1', '10.9.0.2']), true);
    assert.doesNotMatch(nftIn(names[0]!, 'list', 'table', 'inet', 'intermodal_sg'), /9999/, 'the old table is gone');
    for (const n of names) {
      assert.match(nftIn(n, 'list', 'table', 'inet', 'intermodal_sg'), /ip saddr @g_peers accept/);
      assert.match(setOf(n), /elements = \{ 10\.9\.0\.1, 10\.9\.0\.2 \}/);
    }
  });

  it('changes only the set when a member joins and another leaves: the table stays the same table', async () => {
    const handles = names.map(tableHandle);
    await firewalls.apply(names, wanted(['10.9.0.2', '10.9.0.3']), true);
    for (const [i, n] of names.entries()) {
      assert.match(setOf(n), /elements = \{ 10\.9\.0\.2, 10\.9\.0\.3 \}/, 'the leaver is gone, the newcomer is in');
      assert.equal(tableHandle(n), handles[i], 'the table was not replaced');
    }
    // A rule change does replace it.
    await firewalls.apply(names, wanted(['10.9.0.2', '10.9.0.3'], [rule({ remote_group_id: 'peers', protocol: 'tcp', port_range_min: 80 })]), true);
    assert.match(nftIn(names[0]!, 'list', 'table', 'inet', 'intermodal_sg'), /ip saddr @g_peers tcp dport 80 accept/);
    assert.match(setOf(names[0]!), /elements = \{ 10\.9\.0\.2, 10\.9\.0\.3 \}/);
  });

  it('puts right a table changed behind its back', async () => {
    nftIn(names[1]!, 'delete', 'element', 'inet', 'intermodal_sg', groupSetName('peers'), '{ 10.9.0.2 }');
    await firewalls.apply(names, wanted(['10.9.0.3', '10.9.0.4'], [rule({ remote_group_id: 'peers', protocol: 'tcp', port_range_min: 80 })]), true);
    for (const n of names) assert.match(setOf(n), /elements = \{ 10\.9\.0\.3, 10\.9\.0\.4 \}/);
  });

  it('warns about a namespace that vanished and applies the others; a strict apply fails for it', async () => {
    execFileSync('ip', ['netns', 'del', names[2]!]);
    try {
      warnings.length = 0;
      await firewalls.apply(names, wanted(['10.9.0.5']), false);
      for (const n of names.slice(0, 2)) assert.match(setOf(n), /elements = \{ 10\.9\.0\.5 \}/);
      assert.deepEqual(warnings.map((w) => w.server_id), [`server-${names[2]}`]);
      await assert.rejects(firewalls.apply([names[2]!], wanted(['10.9.0.6']), true), new RegExp(`server-${names[2]}.*No such file`));
    } finally {
      execFileSync('ip', ['netns', 'add', names[2]!]);
    }
  });

  it('orders two applies to one namespace: the later one\'s rows win', async () => {
    const first = firewalls.apply(names, wanted(['10.9.0.7']), true);
    const second = firewalls.apply([names[0]!], wanted(['10.9.0.8']), true);
    await Promise.all([first, second]);
    assert.match(setOf(names[0]!), /elements = \{ 10\.9\.0\.8 \}/);
    assert.match(setOf(names[1]!), /elements = \{ 10\.9\.0\.7 \}/);
  });
});
