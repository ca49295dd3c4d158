/**
 * The `parameters` section: each parameter's type, default, label, description, hidden
 * and immutable flags, tags (2018-03-02) and constraints (`modulo` from 2017-02-24).
 * Defaults are checked against the constraints when the template is read.
 */
import { templateError, type Locator } from '../template-error.js';
import type { Path } from '../template-path.js';
import { isMapping } from '../template-source.js';
import type { TemplateVersion } from '../template-versions.js';
import { compilePattern, constraintApplies, type Constraint, type ValueKind } from './constraints.js';

/** The parameter types of HOT. */
export type ParameterType = 'string' | 'number' | 'json' | 'comma_delimited_list' | 'boolean';
const TYPES: readonly ParameterType[] = ['string', 'number', 'json', 'comma_delimited_list', 'boolean'];

/** One declared parameter. */
export interface ParameterSchema {
  readonly name: string;
  readonly type: ParameterType;
  readonly description?: string;
  readonly label?: string;
  /** The template's default, if any (before `parameter_defaults`). */
  readonly default?: unknown;
  readonly hidden: boolean;
  readonly immutable: boolean;
  readonly tags: readonly string[];
  readonly constraints: readonly Constraint[];
}

/** The value kind a parameter type holds, for constraint applicability. */
export function kindOfType(type: ParameterType): ValueKind {
  return type === 'comma_delimited_list' ? 'list' : type === 'json' ? 'map' : type;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

function parseConstraint(raw: unknown, at: Path, type: ParameterType, version: TemplateVersion, fail: (at: Path, reason: string) => never): Constraint {
  const allowedKeys = ['description', 'length', 'range', 'allowed_values', 'allowed_pattern', 'custom_constraint', ...(version.moduloConstraint ? ['modulo'] : [])];
  if (!isMapping(raw)) return fail(at, 'each constraint must be a mapping');
  for (const key of Object.keys(raw)) {
    if (!allowedKeys.includes(key)) fail([...at, key], `invalid key "${key}" for parameter constraints${key === 'modulo' ? ` (modulo needs heat_template_version 2017-02-24 or later)` : ''}`);
  }
  const description = typeof raw.description === 'string' ? raw.description : undefined;
  const extra = description === undefined ? {} : { description };
  const kind = Object.keys(raw).find((k) => k !== 'description');
  if (kind === undefined) return fail(at, 'no constraint expressed');
  const body = raw[kind];
  const check = (c: Constraint): Constraint => {
    if (!constraintApplies(c.kind, kindOfType(type))) fail([...at, kind], `${kind} constraint is not valid for a ${type} parameter`);
    return c;
  };
  switch (kind) {
    case 'length':
    case 'range': {
      if (!isMapping(body)) return fail([...at, kind], `invalid ${kind} constraint, expected a mapping with min and/or max`);
      for (const key of Object.keys(body)) if (key !== 'min' && key !== 'max') fail([...at, kind, key], `invalid key "${key}" for ${kind} constraint`);
      const min = body.min === undefined ? undefined : numberOf(body.min);
      const max = body.max === undefined ? undefined : numberOf(body.max);
      if ((body.min !== undefined && min === undefined) || (body.max !== undefined && max === undefined)) fail([...at, kind], `${kind} min and max must be numbers`);
      return check({ kind, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }), ...extra });
    }
    case 'modulo': {
      if (!isMapping(body)) return fail([...at, kind], 'invalid modulo constraint, expected a mapping with step and offset');
      const step = numberOf(body.step);
      const offset = numberOf(body.offset);
      if (step === undefined || offset === undefined) return fail([...at, kind], 'modulo constraint needs numeric step and offset');
      if (step === 0) fail([...at, kind], 'modulo step must not be zero');
      if (offset < 0 || offset >= Math.abs(step)) fail([...at, kind], 'modulo offset must be at least 0 and less than the step');
      return check({ kind, step, offset, ...extra });
    }
    case 'allowed_values':
      if (!Array.isArray(body)) return fail([...at, kind], 'allowed_values must be a list');
      return check({ kind, values: body, ...extra });
    case 'allowed_pattern':
      if (typeof body !== 'string') return fail([...at, kind], 'allowed_pattern must be a string');
      try { compilePattern(body); } catch { fail([...at, kind], `allowed_pattern "${body}" is not a valid regular expression`); }
      return check({ kind, pattern: body, ...extra });
    default:
      if (typeof body !== 'string') return fail([...at, kind], 'custom_constraint must be a constraint name');
      return { kind: 'custom_constraint', name: body, ...extra };
  }
}

/** Reads and checks the `parameters` section. */
export function parseParameterSchemas(section: unknown, version: TemplateVersion, locator?: Locator): Map<string, ParameterSchema> {
  const fail = (at: Path, reason: string): never => { throw templateError(locator, at, reason); };
  const schemas = new Map<string, ParameterSchema>();
  if (section === undefined || section === null) return schemas;
  if (!isMapping(section)) fail(['parameters'], 'the parameters section must be a mapping of parameter names to definitions');
  const allowed = ['type', 'description', 'default', 'constraints', 'hidden', 'label', 'immutable', 'schema', ...(version.parameterTags ? ['tags'] : [])];
  for (const [name, raw] of Object.entries(section as Record<string, unknown>)) {
    const at: Path = ['parameters', name];
    if (!isMapping(raw)) fail(at, `parameter "${name}" must be a mapping with at least a type`);
    const def = raw as Record<string, unknown>;
    for (const key of Object.keys(def)) if (!allowed.includes(key)) fail([...at, key], `invalid key "${key}" for parameter (${name})`);
    if (def.type === undefined) fail(at, `missing parameter type for parameter: ${name}`);
    if (!TYPES.includes(def.type as ParameterType)) fail([...at, 'type'], `invalid parameter type "${String(def.type)}": use one of ${TYPES.join(', ')}`);
    const type = def.type as ParameterType;
    for (const flag of ['hidden', 'immutable'] as const) {
      if (def[flag] !== undefined && typeof def[flag] !== 'boolean') fail([...at, flag], `${flag} must be true or false`);
    }
    if (def.tags !== undefined && (!Array.isArray(def.tags) || !def.tags.every((t) => typeof t === 'string'))) fail([...at, 'tags'], 'tags must be a list of strings');
    if (def.constraints !== undefined && !Array.isArray(def.constraints)) fail([...at, 'constraints'], `invalid parameter constraints for parameter ${name}, expected a list`);
    const constraints = ((def.constraints as unknown[] | undefined) ?? []).map((c, i) => parseConstraint(c, [...at, 'constraints', i], type, version, fail));
    schemas.set(name, {
      name, type,
      ...(typeof def.description === 'string' ? { description: def.description } : {}),
      ...(typeof def.label === 'string' ? { label: def.label } : {}),
      ...(def.default === undefined || def.default === null ? {} : { default: def.default }),
      hidden: def.hidden === true,
      immutable: def.immutable === true,
      tags: (def.tags as string[] | undefined) ?? [],
      constraints,
    });
  }
  return schemas;
}

/** Reads and checks `parameter_groups` against the declared parameters. */
export function checkParameterGroups(section: unknown, schemas: ReadonlyMap<string, ParameterSchema>, locator?: Locator): void {
  const fail = (at: Path, reason: string): never => { throw templateError(locator, at, reason); };
  if (section === undefined || section === null) return;
  if (!Array.isArray(section)) fail(['parameter_groups'], 'parameter_groups must be a list');
  const grouped = new Set<string>();
  (section as unknown[]).forEach((group, i) => {
    const at: Path = ['parameter_groups', i];
    if (!isMapping(group)) fail(at, 'each parameter group must be a mapping with label, description and parameters');
    const g = group as Record<string, unknown>;
    for (const key of Object.keys(g)) if (!['label', 'description', 'parameters'].includes(key)) fail([...at, key], `invalid key "${key}" in a parameter group`);
    if (!Array.isArray(g.parameters)) fail([...at, 'parameters'], 'parameters must be a list in each parameter group');
    (g.parameters as unknown[]).forEach((name, j) => {
      if (typeof name !== 'string' || !schemas.has(name)) fail([...at, 'parameters', j], `the grouped parameter ${String(name)} does not reference a valid parameter`);
      if (grouped.has(name as string)) fail([...at, 'parameters', j], `the ${name as string} parameter must be assigned to one parameter group only`);
      grouped.add(name as string);
    });
  });
}
