/**
 * Checking a resource's evaluated properties against its type's schema: unknown names,
 * missing required ones, types (integers may be written as strings, as Heat allows),
 * constraints, nested map and list schemas; defaults fill what is absent. A null value
 * counts as absent. DEFERRED values (not known until another resource exists) pass
 * unchecked, so a template can be validated before anything is created.
 */
import { containsDeferred, DEFERRED, isMap } from './functions/function.js';
import { violation, type CustomConstraintCheck } from './parameters/constraints.js';
import type { PropertySchema, ResourceType } from './resource-type.js';
import { templateError, type Locator } from './template-error.js';
import { formatPath, type Path } from './template-path.js';

/** Options of {@link checkProperties}. */
export interface CheckPropertiesOptions {
  readonly locator?: Locator;
  readonly customConstraints?: ReadonlyMap<string, CustomConstraintCheck>;
  /** Receives custom constraints nobody could check. */
  readonly warnings?: string[];
}

const TRUE_WORDS = ['true', 't', 'yes', 'y', 'on', '1'];
const FALSE_WORDS = ['false', 'f', 'no', 'n', 'off', '0'];

function convert(schema: PropertySchema, value: unknown, at: Path, options: CheckPropertiesOptions): unknown {
  const fail = (reason: string): never => { throw templateError(options.locator, at, reason); };
  if (value === DEFERRED) return value;
  let out: unknown = value;
  switch (schema.type) {
    case 'string':
      if (typeof value === 'number' || typeof value === 'boolean') out = String(value);
      else if (typeof value !== 'string') fail(`value must be a string, not ${JSON.stringify(value)}`);
      break;
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(n)) fail(`${JSON.stringify(value)} is not an integer`);
      out = n;
      break;
    }
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) fail(`${JSON.stringify(value)} is not a number`);
      out = n;
      break;
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        const word = String(value).toLowerCase();
        if (TRUE_WORDS.includes(word)) out = true;
        else if (FALSE_WORDS.includes(word)) out = false;
        else fail(`${JSON.stringify(value)} is not a boolean`);
      }
      break;
    case 'list':
      if (!Array.isArray(value)) fail(`value must be a list, not ${JSON.stringify(value)}`);
      if (schema.items !== undefined) {
        const items = schema.items;
        out = (value as unknown[]).map((item, i) => convert(items, item, [...at, i], options));
      }
      break;
    case 'map':
      if (!isMap(value)) fail(`value must be a map, not ${JSON.stringify(value)}`);
      if (schema.schema !== undefined) out = checkAgainst(schema.schema, value as Record<string, unknown>, at, options);
      break;
    case 'any':
      break;
  }
  for (const constraint of schema.constraints ?? []) {
    if (constraint.kind === 'custom_constraint' && !options.customConstraints?.has(constraint.name)) {
      const line = `${formatPath(at)}: custom constraint "${constraint.name}" is not checked by this cloud`;
      if (options.warnings !== undefined && !options.warnings.includes(line)) options.warnings.push(line);
      continue;
    }
    const problem = violation(constraint, out, options.customConstraints);
    if (problem !== undefined) fail(problem);
  }
  return out;
}

function checkAgainst(schemas: Readonly<Record<string, PropertySchema>>, values: Readonly<Record<string, unknown>>, at: Path, options: CheckPropertiesOptions): Record<string, unknown> {
  for (const name of Object.keys(values)) {
    if (!Object.hasOwn(schemas, name)) {
      throw templateError(options.locator, [...at, name], `unknown property "${name}" (known: ${Object.keys(schemas).sort().join(', ') || 'none'})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    let value = values[name];
    if (value === null || value === undefined) value = schema.default;
    if (value === null || value === undefined) {
      if (schema.required === true) throw templateError(options.locator, [...at, name], `property "${name}" is required but has no value`);
      continue;
    }
    out[name] = convert(schema, value, [...at, name], options);
  }
  return out;
}

/**
 * Checks `values` (evaluated properties of resource `name`) against `type`; returns them
 * converted and with defaults. Errors name `resources.<name>.properties.<property>`.
 */
export function checkProperties(type: ResourceType<never> | ResourceType, name: string, values: unknown, options: CheckPropertiesOptions = {}): Record<string, unknown> {
  const at: Path = ['resources', name, 'properties'];
  if (values === DEFERRED) return {};
  if (values !== null && values !== undefined && !isMap(values)) {
    throw templateError(options.locator, at, `properties must be a map, not ${JSON.stringify(values)}`);
  }
  const given = (values ?? {}) as Record<string, unknown>;
  if (type.anyProperties === true) return { ...given };
  const checked = checkAgainst(type.properties, given, at, options);
  // Cross-property checks need every value; with some still unknown they wait.
  const problem = containsDeferred(checked) ? undefined : type.validate?.(checked);
  if (problem !== undefined) {
    throw templateError(options.locator, problem.property === undefined ? at : [...at, problem.property], problem.message);
  }
  return checked;
}
