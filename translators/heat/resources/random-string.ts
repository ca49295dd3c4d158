/**
 * OS::Heat::RandomString: a random string (a password, a secret) made when the resource
 * is created, from character classes and sequences each with a minimum count. Its value
 * is the `value` attribute and also what `get_resource` returns. Every property change,
 * `salt` included, replaces it with a new string.
 */
import { randomInt } from 'node:crypto';
import type { ResourceType } from '../resource-type.js';

const CLASSES: Readonly<Record<string, string>> = {
  lettersdigits: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  letters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  hexdigits: '0123456789ABCDEF',
  octdigits: '01234567',
};
const CLASS_NAMES = Object.keys(CLASSES);

interface CharacterPool {
  readonly chars: string;
  readonly min: number;
}

/**
 * A string of `length` characters with at least `min` from each pool, the rest from the
 * union of all pools, shuffled; uses the system's cryptographic random source.
 */
export function generateRandomString(length: number, pools: readonly CharacterPool[]): string {
  const picked: string[] = [];
  let union = '';
  for (const pool of pools) {
    const chars = [...new Set(pool.chars)].join('');
    union += chars;
    for (let i = 0; i < pool.min; i++) picked.push(chars[randomInt(chars.length)]!);
  }
  const all = [...new Set(union)].join('');
  while (picked.length < length) picked.push(all[randomInt(all.length)]!);
  for (let i = picked.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [picked[i], picked[j]] = [picked[j]!, picked[i]!];
  }
  return picked.slice(0, length).join('');
}

function poolsOf(properties: Readonly<Record<string, unknown>>): CharacterPool[] {
  const sequences = (properties.character_sequences as Array<{ sequence: string; min: number }> | undefined) ?? [];
  const classes = (properties.character_classes as Array<{ class: string; min: number }> | undefined) ?? [];
  const sequence = properties.sequence as string | undefined;
  return [
    ...sequences.map((s) => ({ chars: s.sequence, min: s.min })),
    ...classes.map((c) => ({ chars: CLASSES[c.class]!, min: c.min })),
    // The deprecated `sequence` adds one class with a minimum of 1, as Heat translates it.
    ...(sequence === undefined ? [] : [{ chars: CLASSES[sequence]!, min: 1 }]),
  ];
}

export const randomStringType: ResourceType = {
  name: 'OS::Heat::RandomString',
  description: 'A random string (a password or secret), generated once when the resource is created.',
  properties: {
    length: { type: 'integer', description: 'Length of the string to generate.', default: 32, constraints: [{ kind: 'range', min: 1, max: 512 }] },
    sequence: {
      type: 'string', description: 'Deprecated: a character class to build the string from; use character_classes.',
      constraints: [{ kind: 'allowed_values', values: CLASS_NAMES }],
    },
    character_classes: {
      type: 'list', description: 'Character classes, each with the minimum number of its characters in the string.',
      default: [{ class: 'lettersdigits', min: 1 }],
      items: {
        type: 'map',
        schema: {
          class: { type: 'string', description: 'A character class.', default: 'lettersdigits', constraints: [{ kind: 'allowed_values', values: CLASS_NAMES }] },
          min: { type: 'integer', description: 'Minimum number of characters from this class.', default: 1, constraints: [{ kind: 'range', min: 1, max: 512 }] },
        },
      },
    },
    character_sequences: {
      type: 'list', description: 'Character sequences, each with the minimum number of its characters in the string.',
      items: {
        type: 'map',
        schema: {
          sequence: { type: 'string', description: 'The characters to choose from.', required: true, constraints: [{ kind: 'length', min: 1 }] },
          min: { type: 'integer', description: 'Minimum number of characters from this sequence.', default: 1, constraints: [{ kind: 'range', min: 1, max: 512 }] },
        },
      },
    },
    salt: { type: 'string', description: 'Changing this value on update replaces the resource, giving a new string; otherwise ignored.' },
  },
  attributes: {
    value: { description: 'The random string; also what get_resource returns.', type: 'string' },
  },
  validate(properties) {
    const pools = poolsOf(properties);
    const minimum = pools.reduce((sum, p) => sum + p.min, 0);
    if (minimum > (properties.length as number)) {
      return { property: 'length', message: `length (${properties.length as number}) cannot be smaller than the combined character class and sequence minimums (${minimum})` };
    }
    return undefined;
  },
  handler: {
    async create(ctx, properties) {
      const value = generateRandomString(properties.length as number, poolsOf(properties));
      return { physicalId: ctx.physicalName, data: { value } };
    },
    async delete() {
      // Nothing exists outside the stored state.
    },
    async attribute(_ctx, state, name) {
      return name === 'value' ? state.data.value ?? null : null;
    },
    referenceId(state) {
      return String(state.data.value ?? state.physicalId);
    },
  },
};
