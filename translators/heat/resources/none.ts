/**
 * OS::Heat::None: does nothing. It accepts any properties and answers null for any
 * attribute, so an environment can map another type onto it to leave a resource out.
 * It is never replaced on update.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceType } from '../resource-type.js';

export const noneType: ResourceType = {
  name: 'OS::Heat::None',
  description: 'Does nothing; accepts any properties and returns null for any attribute.',
  properties: {},
  attributes: {},
  anyProperties: true,
  handler: {
    async create() {
      return { physicalId: randomUUID(), data: {} };
    },
    async update(_ctx, state) {
      return state;
    },
    async delete() {
      // Nothing was made.
    },
    async attribute() {
      return null;
    },
  },
};
