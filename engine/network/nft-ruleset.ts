/**
 * The nftables ruleset of one data dir, generated whole from the recorded networks and
 * endpoints. Applying it replaces `table ip <name>` atomically (one `nft -f` transaction),
 * so a rule can never outlive the endpoint it was made for, and recovering from a crash
 * is generating it again. Pure; tested by its text and, in the network tests, by traffic.
 *
 * What it does, per network (bridge BR, subnet S):
 * - published ports: DNAT for packets to any local address (from outside: prerouting;
 *   from this host, loopback included: output), per port `[ip daddr HOSTIP]`;
 * - loopback and hairpin: a DNATed connection from 127/8 (routed to the bridge thanks to
 *   route_localnet) or from BR itself is masqueraded, so the reply comes back through us;
 * - isolation: forwarding into BR only for replies, DNATed connections and BR's own
 *   traffic; forwarding out of BR dropped, unless the network is external (then accepted
 *   and masqueraded). So traffic of a non-external network never leaves the machine and
 *   two networks never reach each other.
 */
import type { NetworkRecord } from './network.js';
import type { StoredEndpoint } from './network-store.js';

/** The ruleset text for `nft -f`: recreates the table from nothing. */
export function nftRuleset(table: string, networks: NetworkRecord[], endpoints: StoredEndpoint[]): string {
  const byId = new Map(networks.map((n) => [n.id, n]));
  const dnat: string[] = [];
  for (const e of endpoints) {
    if (!byId.has(e.networkId)) continue;
    for (const p of e.ports) {
      const daddr = p.hostIp === '0.0.0.0' ? '' : `ip daddr ${p.hostIp} `;
      dnat.push(`${daddr}${p.protocol} dport ${p.hostPort} dnat to ${e.address}:${p.containerPort} comment "${e.containerId.slice(0, 12)}"`);
    }
  }
  const postrouting: string[] = [];
  // Every accept before any drop, so that the order of networks does not matter: a
  // container may reach another network's published port (DNAT), never its addresses.
  const accepts: string[] = ['ct state established,related accept'];
  const drops: string[] = [];
  for (const n of networks) {
    const br = `"${n.bridge}"`;
    postrouting.push(`oifname ${br} ct status dnat ip saddr 127.0.0.0/8 masquerade`);
    postrouting.push(`oifname ${br} iifname ${br} ct status dnat masquerade`);
    if (n.external) postrouting.push(`ip saddr ${n.subnet} oifname != ${br} masquerade`);
    accepts.push(`iifname ${br} oifname ${br} accept`, `oifname ${br} ct status dnat accept`);
    if (n.external) accepts.push(`iifname ${br} accept`);
    else drops.push(`iifname ${br} drop`);
    drops.push(`oifname ${br} drop`);
  }
  const forward = [...accepts, ...drops];
  const block = (lines: string[]) => lines.map((l) => `    ${l}\n`).join('');
  return [
    // Declaring then deleting makes the delete valid whether or not the table existed.
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '  chain published {',
    block(dnat) + '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    fib daddr type local jump published',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    fib daddr type local jump published',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    block(postrouting) + '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    block(forward) + '  }',
    '}',
    '',
  ].join('\n');
}

/** The text that removes the table (when a data dir has no network left). */
export function nftDeleteTable(table: string): string {
  return `table ip ${table} {}\ndelete table ip ${table}\n`;
}
