/**
 * Environments (`-e env.yaml`): `parameters`, `parameter_defaults` and a
 * `resource_registry` that maps resource types to other types or to template files, for
 * every resource or (under `resources:`) for named ones; `OS::Foo::*` wildcards map whole
 * families. Several environments merge in order, later ones winning key by key.
 */
import { templateError, type Locator } from './template-error.js';
import type { Path } from './template-path.js';
import { isMapping, loadDocument, type LoadDocumentOptions } from './template-source.js';

/** A merged environment. */
export interface Environment {
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly parameterDefaults: Readonly<Record<string, unknown>>;
  /** Type (or `Prefix::*`) → type or template file, for all resources. */
  readonly typeMappings: Readonly<Record<string, string>>;
  /** Resource name → its own type mappings (and hooks, which we keep but do not act on). */
  readonly resourceMappings: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly eventSinks: readonly unknown[];
  /** This file's `parameter_merge_strategies` (parameter or 'default' → strategy). */
  readonly mergeStrategies: Readonly<Record<string, MergeStrategy>>;
}

/** How a parameter given by several environment files combines. */
export type MergeStrategy = 'overwrite' | 'merge' | 'deep_merge';
const STRATEGIES: readonly MergeStrategy[] = ['overwrite', 'merge', 'deep_merge'];

/** Where a resource type leads after the registry: a type, or a template (a nested stack). */
export type TypeMapping =
  | { readonly kind: 'type'; readonly type: string }
  | { readonly kind: 'template'; readonly template: string; readonly type: string };

const SECTIONS = ['parameters', 'parameter_defaults', 'resource_registry', 'event_sinks', 'encrypted_param_names', 'parameter_merge_strategies'];
const RESOURCE_KEYS_NOT_TYPES = ['hooks', 'restricted_actions'];

/** An environment with nothing in it. */
export function emptyEnvironment(): Environment {
  return { parameters: {}, parameterDefaults: {}, typeMappings: {}, resourceMappings: {}, eventSinks: [], mergeStrategies: {} };
}

/** True when a registry value names a template file rather than a type. */
export function isTemplateReference(value: string): boolean {
  return /\.(ya?ml|template)$/i.test(value) || value.includes('://');
}

function checkMappings(raw: unknown, at: Path, fail: (at: Path, reason: string) => never): Record<string, string> {
  if (!isMapping(raw)) return fail(at, 'must be a mapping of resource types to types or template files');
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string' || value === '') fail([...at, key], 'a resource type must map to a type name or a template file');
    if (key.endsWith('*') !== (value as string).endsWith('*')) fail([...at, key], 'a wildcard type must map to a wildcard type (OS::Foo::* to OS::Bar::*)');
  }
  return raw as Record<string, string>;
}

/** Reads and checks one environment document (YAML text or parsed object). */
export function parseEnvironment(input: string | object, options: LoadDocumentOptions = {}): Environment {
  const { document, locator } = loadDocument(input, { ...options, what: 'environment' });
  return environmentFrom(document, locator);
}

function environmentFrom(document: Readonly<Record<string, unknown>>, locator: Locator): Environment {
  const fail = (at: Path, reason: string): never => { throw templateError(locator, at, reason); };
  for (const key of Object.keys(document)) {
    if (!SECTIONS.includes(key)) fail([key], `environment has an unknown section "${key}" (allowed: ${SECTIONS.join(', ')})`);
  }
  const section = (name: string): Record<string, unknown> => {
    const value = document[name];
    if (value === undefined || value === null) return {};
    if (!isMapping(value)) return fail([name], `${name} must be a mapping`);
    return value;
  };
  const registry = section('resource_registry');
  const { resources, ...globals } = registry;
  const typeMappings = checkMappings(globals, ['resource_registry'], fail);
  const resourceMappings: Record<string, Record<string, unknown>> = {};
  if (resources !== undefined && resources !== null) {
    if (!isMapping(resources)) fail(['resource_registry', 'resources'], 'must be a mapping of resource names');
    for (const [name, mappings] of Object.entries(resources as Record<string, unknown>)) {
      if (!isMapping(mappings)) fail(['resource_registry', 'resources', name], 'must be a mapping');
      const types = Object.fromEntries(Object.entries(mappings as Record<string, unknown>).filter(([k]) => !RESOURCE_KEYS_NOT_TYPES.includes(k)));
      checkMappings(types, ['resource_registry', 'resources', name], fail);
      resourceMappings[name] = mappings as Record<string, unknown>;
    }
  }
  const sinks = document.event_sinks;
  if (sinks !== undefined && sinks !== null && !Array.isArray(sinks)) fail(['event_sinks'], 'event_sinks must be a list');
  const strategies = section('parameter_merge_strategies');
  for (const [key, value] of Object.entries(strategies)) {
    if (!STRATEGIES.includes(value as MergeStrategy)) fail(['parameter_merge_strategies', key], `merge strategy must be one of ${STRATEGIES.join(', ')}`);
  }
  return {
    mergeStrategies: strategies as Record<string, MergeStrategy>,
    parameters: section('parameters'),
    parameterDefaults: section('parameter_defaults'),
    typeMappings,
    resourceMappings,
    eventSinks: (sinks as unknown[] | undefined) ?? [],
  };
}

function lookup(mappings: Readonly<Record<string, unknown>>, type: string): string | undefined {
  const exact = mappings[type];
  if (typeof exact === 'string') return exact;
  let best: string | undefined;
  for (const key of Object.keys(mappings)) {
    if (key.endsWith('*') && type.startsWith(key.slice(0, -1)) && (best === undefined || key.length > best.length)) best = key;
  }
  if (best === undefined) return undefined;
  return (mappings[best] as string).slice(0, -1) + type.slice(best.length - 1);
}

/**
 * Follows the registry for resource `name` of `type`: per-resource mappings first, then
 * global ones, until a type no mapping names or a template file. Refuses loops.
 */
export function resolveResourceType(env: Environment, name: string, type: string): TypeMapping {
  // A template may name a template file as a type directly (`type: nested.yaml`).
  if (isTemplateReference(type)) return { kind: 'template', template: type, type };
  const seen = [type];
  let current = type;
  for (;;) {
    const next = lookup(env.resourceMappings[name] ?? {}, current) ?? lookup(env.typeMappings, current);
    if (next === undefined || next === current) return { kind: 'type', type: current };
    if (isTemplateReference(next)) return { kind: 'template', template: next, type: current };
    if (seen.includes(next)) {
      throw templateError(undefined, ['resources', name, 'type'], `the resource registry maps types in a loop: ${[...seen, next].join(' -> ')}`);
    }
    seen.push(next);
    current = next;
  }
}
