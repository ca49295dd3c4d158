/** OS::Nova::KeyPair: a keypair of the stack's creator; a generated private key is kept only when asked. */
import type { ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';

export const novaKeyPairType: ResourceType<HeatClients> = {
  name: 'OS::Nova::KeyPair',
  description: 'A Nova keypair.',
  properties: {
    name: { type: 'string', required: true, constraints: [{ kind: 'length', min: 1, max: 255 }] },
    public_key: { type: 'string', description: 'An OpenSSH public key to import; a new RSA key is made when absent.' },
    save_private_key: { type: 'boolean', default: false },
    type: { type: 'string', default: 'ssh', constraints: [{ kind: 'allowed_values', values: ['ssh'] }] },
  },
  attributes: {
    public_key: { description: 'The public key.', type: 'string' },
    private_key: { description: 'The private key, when save_private_key is true.', type: 'string' },
  },
  handler: {
    async create(ctx, p) {
      const { keypair, privateKey } = ctx.clients.compute.createKeypair(ctx.clients.caller, String(p.name), p.public_key as string | undefined);
      return { physicalId: keypair.name, data: { publicKey: keypair.publicKey, ...(p.save_private_key === true && privateKey !== undefined && { privateKey }) } };
    },
    async delete(ctx, state) {
      ctx.clients.compute.deleteKeypair(ctx.clients.caller, state.physicalId);
    },
    async attribute(_ctx, state, name) {
      if (name === 'public_key') return state.data.publicKey ?? null;
      if (name === 'private_key') return state.data.privateKey ?? '';
      return null;
    },
  },
};
