/**
 * Floating IPs on this host (and the metadata service's route): addresses from a loopback range (127.0.0.0/8 is local on `lo`
 * already, so no address is added anywhere and nothing can leave the machine) mapped by
 * DNAT to a server's fixed address. One table per data dir, `ip <engine table>_fip`,
 * regenerated whole from the database on every change and deleted when no floating IP
 * is associated. The engine's own table masquerades loopback sources onto the bridge
 * (and the bridge has route_localnet), as it does for published ports.
 */
import { runHostCommand } from '../../engine/network/host-command.js';
import { type HostNames, hostNames } from '../../engine/network/host-names.js';

const metadataAddress = '169.254.169.254';

/** A floating address and the fixed address it maps to. */
export interface FloatingMapping {
  floating: string;
  fixed: string;
}

/** Where servers' requests to 169.254.169.254:80 go: the metadata server's port on 127.0.0.1, from bridges matching `bridges` (an nft wildcard). */
export interface MetadataRoute {
  port: number;
  bridges: string;
}

export function floatingRuleset(table: string, mappings: FloatingMapping[], metadata?: MetadataRoute): string {
  const head = [`table ip ${table} {}`, `delete table ip ${table}`];
  if (mappings.length === 0 && !metadata) return `${head.join('\n')}\n`;
  const dnat = mappings.map((m) => `    ip daddr ${m.floating} dnat to ${m.fixed}`);
  return [
    ...head,
    `table ip ${table} {`,
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat - 5; policy accept;',
    // The bridges have route_localnet, so a DNAT to 127.0.0.1 is delivered locally.
    ...(metadata ? [`    iifname "${metadata.bridges}" ip daddr ${metadataAddress} tcp dport 80 dnat to 127.0.0.1:${metadata.port}`] : []),
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

export async function applyFloatingIps(table: string, mappings: FloatingMapping[], metadata?: MetadataRoute): Promise<void> {
  await runHostCommand('nft', ['-f', '-'], floatingRuleset(table, mappings, metadata));
}

/** The nft table of a data dir's floating IPs (beside the engine's own table). */
export function floatingTableOf(names: Pick<HostNames, 'table'>): string {
  return `${names.table}_fip`;
}

/**
 * Takes a data dir's floating IPs off the host. The API leaves them in place when it stops
 * (servers and their addresses outlive it); whoever removes the whole cloud calls this.
 */
export async function removeFloatingIps(dataDir: string): Promise<void> {
  await applyFloatingIps(floatingTableOf(hostNames(dataDir)), []);
}
