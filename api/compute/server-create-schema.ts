/**
 * The body of POST /servers at microversion 2.1, as Nova validates it: unknown keys are
 * refused (additionalProperties false), names are 1–255 characters, user_data is base64 of
 * at most 65535 bytes.
 */
const metadata = { type: 'object', maxProperties: 128, additionalProperties: { type: 'string', maxLength: 255 }, propertyNames: { minLength: 1, maxLength: 255 } };

export const serverCreateSchema = {
  type: 'object',
  required: ['server'],
  additionalProperties: false,
  properties: {
    'os:scheduler_hints': { type: 'object' },
    'OS-SCH-HNT:scheduler_hints': { type: 'object' },
    server: {
      type: 'object',
      required: ['name', 'flavorRef'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^(?!\\s)[\\s\\S]*(?<!\\s)$' },
        imageRef: { type: 'string', maxLength: 255 },
        flavorRef: { type: ['string', 'integer'], minLength: 1 },
        adminPass: { type: 'string' },
        metadata,
        networks: { anyOf: [{ type: 'array', items: { type: 'object' } }, { type: 'string', enum: ['auto', 'none'] }] },
        'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
        accessIPv4: { type: 'string' },
        accessIPv6: { type: 'string' },
        personality: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, contents: { type: 'string' } }, additionalProperties: false } },
        availability_zone: { type: 'string', minLength: 1, maxLength: 255 },
        block_device_mapping: { type: 'array' },
        block_device_mapping_v2: { type: 'array' },
        config_drive: { type: ['boolean', 'string'] },
        key_name: { type: 'string', minLength: 1, maxLength: 255 },
        min_count: { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1 },
        max_count: { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1 },
        return_reservation_id: { type: ['boolean', 'string'] },
        security_groups: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false } },
        user_data: { type: 'string', maxLength: 65535, pattern: '^[A-Za-z0-9+/=\\s]*$' },
      },
    },
  },
} as const;
