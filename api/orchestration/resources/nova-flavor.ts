/** OS::Nova::Flavor: a flavor made by an admin's stack; extra_specs change in place, anything else replaces it. */
import type { ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';

export const novaFlavorType: ResourceType<HeatClients> = {
  name: 'OS::Nova::Flavor',
  description: 'A Nova flavor (admin only).',
  properties: {
    name: { type: 'string', description: 'The flavor name; the physical resource name when absent.' },
    ram: { type: 'integer', description: 'Memory in MiB.', required: true, constraints: [{ kind: 'range', min: 1 }] },
    vcpus: { type: 'integer', description: 'Virtual CPUs.', required: true, constraints: [{ kind: 'range', min: 1 }] },
    disk: { type: 'integer', description: 'Root disk in GiB.', default: 0, constraints: [{ kind: 'range', min: 0 }] },
    swap: { type: 'integer', default: 0, constraints: [{ kind: 'range', min: 0 }] },
    ephemeral: { type: 'integer', default: 0, constraints: [{ kind: 'range', min: 0 }] },
    rxtx_factor: { type: 'number', default: 1 },
    is_public: { type: 'boolean', default: true },
    flavorid: { type: 'string', description: 'The flavor id; a UUID when absent.' },
    extra_specs: { type: 'map', default: {}, updateAllowed: true },
  },
  attributes: {
    is_public: { description: 'Whether the flavor is public.', type: 'boolean' },
    extra_specs: { description: 'The extra specs.', type: 'map' },
  },
  handler: {
    async create(ctx, p) {
      const flavor = ctx.clients.compute.createFlavor(ctx.clients.caller, {
        name: (p.name as string | undefined) ?? ctx.physicalName, ram: Number(p.ram), vcpus: Number(p.vcpus), disk: Number(p.disk),
        swap: Number(p.swap), ephemeral: Number(p.ephemeral), rxtxFactor: Number(p.rxtx_factor), isPublic: p.is_public !== false,
        ...(p.flavorid !== undefined && { id: String(p.flavorid) }),
        extraSpecs: Object.fromEntries(Object.entries((p.extra_specs ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
      });
      return { physicalId: flavor.id, data: { isPublic: flavor.isPublic } };
    },
    async update(ctx, state, p) {
      ctx.clients.compute.setFlavorExtraSpecs(ctx.clients.caller, state.physicalId, Object.fromEntries(Object.entries((p.extra_specs ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])));
      return state;
    },
    async delete(ctx, state) {
      ctx.clients.compute.deleteFlavor(ctx.clients.caller, state.physicalId);
    },
    async attribute(ctx, state, name) {
      if (name === 'is_public') return state.data.isPublic ?? true;
      if (name === 'extra_specs') {
        try {
          return ctx.clients.compute.flavorExtraSpecs(state.physicalId);
        } catch {
          return {};
        }
      }
      return null;
    },
  },
};
