/** What the container resource types share: attributes read from the driver, refused properties. */
import type { ResourceContext, ResourceState } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';

/** The first of `names` whose value is set (not empty), if any. */
export function notApplied(p: Readonly<Record<string, unknown>>, names: readonly string[]): string | undefined {
  return names.find((n) => {
    const v = p[n];
    return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
  });
}

export const firstLines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** Attributes every container resource answers from the driver: info, addresses, logs. */
export async function containerAttribute(ctx: ResourceContext<HeatClients>, state: ResourceState, name: string): Promise<unknown> {
  const compute = ctx.clients.compute;
  const info = await compute.containerInfo(state.physicalId).catch(() => undefined);
  const addresses = Object.fromEntries(Object.entries(info?.addresses ?? {}).map(([net, list]) => [net, list.map((a) => a.address)]));
  switch (name) {
    case 'info': return info ? { id: state.physicalId, name: state.data.name, power_state: info.powerState, memory_bytes: info.memoryBytes, max_memory_bytes: info.maxMemoryBytes, exit_code: info.exitCode ?? null, addresses } : null;
    case 'network_info': case 'addresses': return addresses;
    case 'network_ip': case 'first_address': return Object.values(addresses)[0]?.[0] ?? '';
    case 'network_gateway': case 'network_tcp_ports': case 'network_udp_ports': return '';
    case 'logs': return compute.consoleOutput(state.physicalId).catch(() => '');
    case 'name': return state.data.name ?? null;
    default: return null;
  }
}
