/**
 * Floating IPs on this host: addresses from a loopback range (127.0.0.0/8 is local on `lo`
 * already, so no address is added anywhere and nothing can leave the machine) mapped by
 * DNAT to a server's fixed address. One table per data dir, `ip <engine table>_fip`,
 * regenerated whole from the database on every change and deleted when no floating IP
 * is associated. The engine's own table masquerades loopback sources onto the bridge
 * (and the bridge has route_localnet), as it does for published ports.
 */
import { runHostCommand } from '../../engine/network/host-command.js';

/** A floating address and the fixed address it maps to. */
export interface FloatingMapping {
  floating: string;
  fixed: string;
}

export function floatingRuleset(table: string, mappings: FloatingMapping[]): string {
  const head = [`table ip ${table} {}`, `delete table ip ${table}`];
  if (mappings.length === 0) return `${head.join('\n')}\n`;
  const dnat = mappings.map((m) => `    ip daddr ${m.floating} dnat to ${m.fixed}`);
  return [
    ...head,
    `table ip ${table} {`,
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat - 5; policy accept;',
    ...dnat,
    '  }',
    '  chain output {',
    '    type nat hook output priority -105; policy accept;',
    ...dnat,
    '  }',
    '}',
    '',
  ].join('\n');
}

export async function applyFloatingIps(table: string, mappings: FloatingMapping[]): Promise<void> {
  await runHostCommand('nft', ['-f', '-'], floatingRuleset(table, mappings));
}
