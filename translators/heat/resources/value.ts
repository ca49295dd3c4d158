/**
 * OS::Heat::Value: exposes its `value` property (any expression) as the `value`
 * attribute, optionally checked as one of the parameter types. Updates in place.
 */
import { convertParameter } from '../parameters/parameter-values.js';
import type { ParameterType } from '../parameters/parameter-schema.js';
import type { ResourceType } from '../resource-type.js';

const TYPES = ['string', 'number', 'comma_delimited_list', 'json', 'boolean'];

function typedValue(properties: Readonly<Record<string, unknown>>): { value: unknown } | { error: string } {
  const type = properties.type as ParameterType | undefined;
  if (type === undefined) return { value: properties.value };
  return convertParameter({ name: 'value', type, hidden: false, immutable: false, tags: [], constraints: [] }, properties.value);
}

export const valueType: ResourceType = {
  name: 'OS::Heat::Value',
  description: 'Exposes the value of its "value" property as its "value" attribute.',
  properties: {
    value: { type: 'any', description: 'The expression to generate the "value" attribute.', required: true, updateAllowed: true },
    type: { type: 'string', description: 'The type of the "value" property.', updateAllowed: true, constraints: [{ kind: 'allowed_values', values: TYPES }] },
  },
  attributes: {
    value: { description: 'The value of the "value" property, of the type given by "type".' },
  },
  validate(properties) {
    const typed = typedValue(properties);
    return 'error' in typed ? { property: 'value', message: typed.error } : undefined;
  },
  handler: {
    async create(ctx, properties) {
      const typed = typedValue(properties);
      return { physicalId: ctx.physicalName, data: { value: 'value' in typed ? typed.value : properties.value } };
    },
    async update(_ctx, state, properties) {
      const typed = typedValue(properties);
      return { physicalId: state.physicalId, data: { value: 'value' in typed ? typed.value : properties.value } };
    },
    async delete() {
      // Nothing exists outside the stored state.
    },
    async attribute(_ctx, state, name) {
      return name === 'value' ? state.data.value ?? null : null;
    },
  },
};
