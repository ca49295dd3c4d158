/**
 * Parameter values: each declared parameter takes the user's value (`-P`, environment
 * `parameters`), else the environment's `parameter_defaults`, else the template default.
 * Values are converted to their type (a comma_delimited_list string becomes a list, a
 * json string is parsed) and checked against the constraints. Pseudo parameters
 * OS::stack_name, OS::stack_id and OS::project_id are added.
 */
import { templateError, type Locator } from '../template-error.js';
import type { Path } from '../template-path.js';
import { isMapping } from '../template-source.js';
import { violation, type CustomConstraintCheck } from './constraints.js';
import type { ParameterSchema } from './parameter-schema.js';

/** Names of the pseudo parameters. */
export const PSEUDO_PARAMETERS = ['OS::stack_name', 'OS::stack_id', 'OS::project_id'] as const;

/** Identity of the stack, for the pseudo parameters. */
export interface StackIdentity {
  readonly stackName: string;
  readonly stackId: string;
  readonly projectId: string;
}

/** Inputs of {@link resolveParameters}. */
export interface ParameterInputs {
  /** User values: the API request's parameters merged over the environments' `parameters`. */
  readonly values?: Readonly<Record<string, unknown>>;
  /** The environments' `parameter_defaults` (names the template lacks are ignored). */
  readonly defaults?: Readonly<Record<string, unknown>>;
  readonly identity: StackIdentity;
  readonly customConstraints?: ReadonlyMap<string, CustomConstraintCheck>;
  /** Receives a line for each custom constraint that could not be checked. */
  readonly warnings?: string[];
  readonly locator?: Locator;
}

const TRUE_WORDS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_WORDS = ['0', 'f', 'false', 'off', 'n', 'no'];

/** Converts a raw value to the parameter's type; returns an error message on failure. */
export function convertParameter(schema: ParameterSchema, raw: unknown): { value: unknown } | { error: string } {
  switch (schema.type) {
    case 'string':
      if (typeof raw === 'string') return { value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { value: String(raw) };
      return { error: `value must be a string, not ${JSON.stringify(raw)}` };
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: `value ${JSON.stringify(raw)} is not a number` };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const word = String(raw).trim().toLowerCase();
      if (TRUE_WORDS.includes(word)) return { value: true };
      if (FALSE_WORDS.includes(word)) return { value: false };
      return { error: `unrecognized value ${JSON.stringify(raw)}, acceptable values are: ${[...TRUE_WORDS, ...FALSE_WORDS].map((w) => `'${w}'`).join(', ')}` };
    }
    case 'comma_delimited_list':
      if (Array.isArray(raw)) return { value: raw.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))) };
      if (typeof raw === 'string') return { value: raw === '' ? [] : raw.split(',') };
      if (typeof raw === 'number') return { value: [String(raw)] };
      return { error: `value must be a comma-delimited list string, not ${JSON.stringify(raw)}` };
    case 'json':
      if (typeof raw === 'string') {
        if (raw.trim() === '') return { value: {} };
        try {
          return { value: JSON.parse(raw) as unknown };
        } catch (err) {
          return { error: `value must be valid JSON: ${(err as Error).message}` };
        }
      }
      if (Array.isArray(raw) || isMapping(raw)) return { value: raw };
      return { error: `value must be valid JSON, not ${JSON.stringify(raw)}` };
  }
}

/**
 * Converts and checks one value; throws a located error naming the parameter. `warnings`
 * receives custom constraints nobody could check.
 */
export function checkParameterValue(schema: ParameterSchema, raw: unknown, inputs: Pick<ParameterInputs, 'customConstraints' | 'warnings' | 'locator'>, at: Path): unknown {
  // A hidden parameter's value (a password) must not appear in any message.
  const conceal = (message: string, fallback: string): string => (schema.hidden ? fallback : message);
  const converted = convertParameter(schema, raw);
  if ('error' in converted) {
    throw templateError(inputs.locator, at, `parameter "${schema.name}" is invalid: ${conceal(converted.error, `the hidden value is not a valid ${schema.type}`)}`);
  }
  for (const constraint of schema.constraints) {
    if (constraint.kind === 'custom_constraint' && !inputs.customConstraints?.has(constraint.name)) {
      const line = `parameter "${schema.name}": custom constraint "${constraint.name}" is not checked by this cloud`;
      if (inputs.warnings !== undefined && !inputs.warnings.includes(line)) inputs.warnings.push(line);
      continue;
    }
    const problem = violation(constraint, converted.value, inputs.customConstraints);
    if (problem !== undefined) {
      const hiddenReason = constraint.description ?? `the hidden value does not satisfy its ${constraint.kind} constraint`;
      throw templateError(inputs.locator, at, `parameter "${schema.name}" is invalid: ${conceal(problem, hiddenReason)}`);
    }
  }
  return converted.value;
}

/** Checks every template default against its constraints (done when a template is read). */
export function checkDefaults(schemas: ReadonlyMap<string, ParameterSchema>, locator?: Locator): void {
  for (const schema of schemas.values()) {
    if (schema.default === undefined) continue;
    checkParameterValue(schema, schema.default, { ...(locator === undefined ? {} : { locator }) }, ['parameters', schema.name, 'default']);
  }
}

/** Gives every parameter its typed value; refuses missing, undeclared and invalid ones. */
export function resolveParameters(schemas: ReadonlyMap<string, ParameterSchema>, inputs: ParameterInputs): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const user = inputs.values ?? {};
  const defaults = inputs.defaults ?? {};
  for (const name of Object.keys(user)) {
    if (!schemas.has(name) && !(PSEUDO_PARAMETERS as readonly string[]).includes(name)) {
      throw templateError(undefined, ['parameters'], `parameter "${name}" is given a value but is not defined in the template`);
    }
  }
  for (const schema of schemas.values()) {
    const at: Path = ['parameters', schema.name];
    const raw = user[schema.name] ?? defaults[schema.name] ?? schema.default;
    if (raw === undefined || raw === null) {
      throw templateError(inputs.locator, at, `parameter "${schema.name}" has no value: the template gives no default and none was provided`);
    }
    values.set(schema.name, checkParameterValue(schema, raw, inputs, at));
  }
  values.set('OS::stack_name', inputs.identity.stackName);
  values.set('OS::stack_id', inputs.identity.stackId);
  values.set('OS::project_id', inputs.identity.projectId);
  return values;
}

/**
 * The parameters as a stack shows them: strings, lists joined with commas, json as JSON,
 * hidden values as '******', pseudo parameters included.
 */
export function displayParameters(schemas: ReadonlyMap<string, ParameterSchema>, values: ReadonlyMap<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of values) {
    const schema = schemas.get(name);
    if (schema?.hidden === true) out[name] = '******';
    else if (schema?.type === 'comma_delimited_list' && Array.isArray(value)) out[name] = value.join(',');
    else if (schema?.type === 'json') out[name] = JSON.stringify(value);
    else if (typeof value === 'boolean') out[name] = value ? 'True' : 'False';
    else out[name] = String(value);
  }
  return out;
}
