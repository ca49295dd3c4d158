/**
 * Merging environments in order (the request's `environment` first, then each of
 * `environment_files`, as Heat does server-side). Type mappings and per-resource mappings
 * are overwritten key by key. Parameters are overwritten too unless a file's
 * `parameter_merge_strategies` says `merge` (strings concatenate, numbers add, lists and
 * comma_delimited_lists append, json maps merge) or `deep_merge` (json maps merge at
 * every depth); that needs the template's parameter types.
 */
import type { Environment, MergeStrategy } from './environment.js';
import { parseEnvironment } from './environment.js';
import { isMap } from './functions/function.js';
import type { ParameterSchema } from './parameters/parameter-schema.js';
import { templateError } from './template-error.js';

function mergeMap(old: Record<string, unknown>, next: Record<string, unknown>, deep: boolean): Record<string, unknown> {
  const out = { ...old };
  for (const [k, v] of Object.entries(next)) {
    if (v === null || v === undefined) continue;
    const before = out[k];
    if (!deep || before === undefined || before === null) out[k] = v;
    else if (isMap(v) && isMap(before)) out[k] = mergeMap(before, v, true);
    else if (Array.isArray(v) && Array.isArray(before)) out[k] = [...before, ...v];
    else if (typeof v === 'string' && typeof before === 'string') out[k] = before + v;
    else out[k] = v;
  }
  return out;
}

function asJson(value: unknown, name: string): Record<string, unknown> {
  const parsed = typeof value === 'string' ? (value.trim() === '' ? {} : JSON.parse(value) as unknown) : value;
  if (!isMap(parsed)) throw templateError(undefined, ['parameters', name], `parameter "${name}" cannot be merged: its value is not a JSON map`);
  return parsed;
}

function mergeValue(old: unknown, next: unknown, schema: ParameterSchema, deep: boolean): unknown {
  if (old === undefined || old === null) return next;
  switch (schema.type) {
    case 'json': return mergeMap(asJson(old, schema.name), asJson(next, schema.name), deep);
    case 'comma_delimited_list':
      if (Array.isArray(old)) return [...old, ...(Array.isArray(next) ? next : String(next).split(','))];
      return Array.isArray(next) ? [...String(old).split(','), ...next] : `${String(old)},${String(next)}`;
    case 'string': return `${String(old)}${String(next)}`;
    case 'number': return Number(old) + Number(next);
    default: throw templateError(undefined, ['parameters', schema.name], `merge strategy "merge" is not valid for the ${schema.type} parameter "${schema.name}"`);
  }
}

/**
 * Merges environments in order, later ones winning. `schemas` (the template's
 * parameters) enables merge strategies; without it every parameter is overwritten.
 * Refuses two files giving one parameter different strategies.
 */
export function mergeEnvironments(environments: readonly Environment[], schemas?: ReadonlyMap<string, ParameterSchema>): Environment {
  const parameters: Record<string, unknown> = {};
  const parameterDefaults: Record<string, unknown> = {};
  const typeMappings: Record<string, string> = {};
  const resourceMappings: Record<string, Record<string, unknown>> = {};
  const eventSinks: unknown[] = [];
  const chosen = new Map<string, MergeStrategy>();
  for (const env of environments) {
    for (const [target, section] of [[parameters, env.parameters], [parameterDefaults, env.parameterDefaults]] as const) {
      for (const [key, value] of Object.entries(section)) {
        const schema = schemas?.get(key);
        const strategy = env.mergeStrategies[key] ?? env.mergeStrategies.default ?? 'overwrite';
        if (schema !== undefined && value !== null && value !== undefined) {
          const earlier = chosen.get(key);
          if (earlier !== undefined && earlier !== strategy) {
            throw templateError(undefined, ['parameter_merge_strategies', key], `parameter "${key}" is given merge strategy "${strategy}", conflicting with "${earlier}" in an earlier environment`);
          }
          chosen.set(key, strategy);
        }
        target[key] = schema === undefined || strategy === 'overwrite' ? value : mergeValue(target[key], value, schema, strategy === 'deep_merge');
      }
    }
    Object.assign(typeMappings, env.typeMappings);
    for (const [name, mappings] of Object.entries(env.resourceMappings)) resourceMappings[name] = { ...resourceMappings[name], ...mappings };
    eventSinks.push(...env.eventSinks);
  }
  return { parameters, parameterDefaults, typeMappings, resourceMappings, eventSinks, mergeStrategies: {} };
}

/**
 * The environment of a create/update request: `environment` from the body, then each name
 * in `environment_files` read from `files` (heatclient sends them there), merged in order.
 */
export function requestEnvironment(body: { environment?: object | string; environmentFiles?: readonly string[]; files?: Readonly<Record<string, string>> },
  schemas?: ReadonlyMap<string, ParameterSchema>): Environment {
  const envs = [parseEnvironment(body.environment ?? {}, { filename: 'environment' })];
  for (const name of body.environmentFiles ?? []) {
    const text = body.files?.[name];
    if (text === undefined) throw templateError(undefined, ['environment_files'], `environment file ${name} is not in the files map`);
    envs.push(parseEnvironment(text, { filename: name }));
  }
  return mergeEnvironments(envs, schemas);
}
