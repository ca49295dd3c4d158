/**
 * What the OS::Neutron::* types share: Neutron in-process (api/network/network-facade.ts),
 * refusals re-said with the template path of the property they are about, and warnings for
 * properties accepted but without effect on this cloud.
 */
import type { ResourceContext } from '../../../translators/heat/index.js';
import type { NetworkFacade } from '../../network/network-facade.js';
import { ApiError } from '../../http/api-error.js';
import type { HeatClients } from '../heat-clients.js';

/** The cloud's Neutron; a clear failure on a cloud without it. */
export function neutronOf(ctx: ResourceContext<HeatClients>): NetworkFacade {
  const network = ctx.clients.network;
  if (!network) throw new Error(`resources.${ctx.resourceName}: the network service (Neutron) is not enabled on this cloud`);
  return network;
}

/** `resources.NAME.properties.PROPERTY` (or `resources.NAME` without a property). */
export function propertyPath(ctx: ResourceContext<HeatClients>, property?: string): string {
  return `resources.${ctx.resourceName}${property === undefined ? '' : `.properties.${property}`}`;
}

/**
 * Runs a Neutron call. A refusal (a 4xx ApiError) is thrown again prefixed with the path
 * of the property it is about: `blame` when given, else the first property of `mentions`
 * whose words appear in the message (Neutron's messages name the field: "Invalid input
 * for cidr"), else the resource. Anything else (a 5xx, a kernel failure) passes unchanged.
 */
export async function neutronCall<T>(
  ctx: ResourceContext<HeatClients>,
  call: () => T | Promise<T>,
  about: { blame?: string; mentions?: Record<string, readonly string[]> } = {},
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500) throw err;
    let property = about.blame;
    if (property === undefined) {
      for (const [name, words] of Object.entries(about.mentions ?? {})) {
        if (words.some((w) => new RegExp(`\\b${w}\\b`, 'i').test(err.message))) { property = name; break; }
      }
    }
    throw new Error(`${propertyPath(ctx, property)}: ${err.message}`);
  }
}

/** A warning for `value_specs` (extra Neutron body fields), which this cloud does not pass on. */
export function valueSpecsWarning(ctx: ResourceContext<HeatClients>, specs: unknown): string[] {
  const keys = specs !== null && typeof specs === 'object' ? Object.keys(specs) : [];
  return keys.length === 0 ? [] : [`${propertyPath(ctx, 'value_specs')}: ignored on this cloud (${keys.join(', ')})`];
}

/** What create/update put in the state's data: the warnings as one line (the event reason). */
export function warningData(warnings: readonly string[]): { warning?: string } {
  return warnings.length === 0 ? {} : { warning: warnings.join('; ') };
}

/** The `show` attribute or one field of it; null when the object is gone. */
export function viewAttribute(view: Record<string, unknown> | undefined, name: string, fields: Record<string, string> = {}): unknown {
  if (!view) return null;
  if (name === 'show') return view;
  return view[fields[name] ?? name] ?? null;
}

/** A Subnet's or Port's network is named by `network` or `network_id`: exactly one of them. */
export function exactlyOneNetwork(p: Readonly<Record<string, unknown>>): { property: string; message: string } | undefined {
  if ((p.network === undefined) === (p.network_id === undefined)) return { property: 'network', message: 'exactly one of network and network_id is required' };
  return undefined;
}

/** The network a Subnet or Port names, resolved to its id; `ref` is the property that named it (to blame). */
export async function namedNetwork(ctx: ResourceContext<HeatClients>, p: Readonly<Record<string, unknown>>): Promise<{ ref: 'network' | 'network_id'; networkId: string }> {
  const ref = p.network !== undefined ? 'network' : 'network_id';
  const networkId = await neutronCall(ctx, () => neutronOf(ctx).networkId(ctx.clients.caller, String(p[ref])), { blame: ref });
  return { ref, networkId };
}
