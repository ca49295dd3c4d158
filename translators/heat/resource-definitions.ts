/**
 * Compiling the `resources` section: each resource's keys are checked, its condition
 * decided, its type followed through the environment's registry, its snippets compiled,
 * and its dependencies collected (depends_on, get_resource, get_attr). References to a
 * resource that does not exist, or whose condition is false, are refused here.
 */
import { resolveResourceType, type Environment, type TypeMapping } from './environment.js';
import { compileValue, type CompileScope } from './functions/compile.js';
import { evaluate } from './functions/evaluate.js';
import { DEFERRED, type Expr, type RuntimeContext } from './functions/function.js';
import { resourceReferences, type ResourceReference } from './functions/expression-references.js';
import type { ConditionTable } from './functions/conditions.js';
import type { ResourceTypeRegistry } from './resource-registry.js';
import { templateError } from './template-error.js';
import type { Path } from './template-path.js';
import { isMapping } from './template-source.js';

/** One enabled resource, compiled. */
export interface ResourceDefinition {
  readonly name: string;
  /** The type as the template writes it. */
  readonly type: string;
  /** The type after the environment's registry: a type, or a template (nested stack). */
  readonly mapping: TypeMapping;
  readonly description: string;
  readonly properties: Expr;
  readonly metadata: Expr;
  readonly updatePolicy: Expr;
  readonly deletionPolicy: 'Delete' | 'Retain' | 'Snapshot';
  readonly externalId?: Expr;
  /** Explicit `depends_on` (on enabled resources). */
  readonly dependsOn: readonly string[];
  /** get_resource/get_attr references in properties, metadata and update_policy. */
  readonly references: readonly ResourceReference[];
  /** Everything it depends on, unique, in first-mention order. */
  readonly dependencies: readonly string[];
}

const BASE_KEYS = ['type', 'properties', 'metadata', 'depends_on', 'deletion_policy', 'update_policy', 'description'];
const POLICIES = ['Delete', 'Retain', 'Snapshot'];

/** Inputs for {@link compileResources}. */
export interface ResourceScope {
  readonly scope: CompileScope;
  readonly runtime: RuntimeContext;
  readonly conditions: ConditionTable;
  readonly environment: Environment;
  readonly files: Readonly<Record<string, string>>;
  readonly registry?: ResourceTypeRegistry<never> | ResourceTypeRegistry;
}

/** The compiled resources: enabled ones, and names whose condition is false. */
export interface CompiledResources {
  readonly enabled: Map<string, ResourceDefinition>;
  readonly disabled: Set<string>;
}

function checkShape(name: string, raw: unknown, rs: ResourceScope): Record<string, unknown> {
  const at: Path = ['resources', name];
  const fail = (path: Path, reason: string): never => { throw templateError(rs.scope.locator, path, reason); };
  if (name.includes('/')) fail(at, `resource name "${name}" may not contain "/"`);
  if (!isMapping(raw)) return fail(at, `each resource must be a mapping with a "type" key, not ${JSON.stringify(raw)}`);
  const keys = rs.scope.version.hasConditions ? [...BASE_KEYS, 'external_id', 'condition'] : BASE_KEYS;
  for (const key of Object.keys(raw)) {
    if (!keys.includes(key)) {
      fail([...at, key], key === 'condition' || key === 'external_id'
        ? `"${key}" needs heat_template_version 2016-10-14 or later`
        : `"${key}" is not a valid keyword inside a resource definition (allowed: ${keys.join(', ')})`);
    }
  }
  if (typeof raw.type !== 'string' || raw.type === '') fail([...at, 'type'], `resource ${name} is missing a "type" (a string)`);
  if (raw.description !== undefined && typeof raw.description !== 'string') fail([...at, 'description'], 'description must be a string');
  return raw;
}

async function deletionPolicy(raw: unknown, at: Path, rs: ResourceScope): Promise<ResourceDefinition['deletionPolicy']> {
  if (raw === undefined || raw === null) return 'Delete';
  const value = await evaluate(await compileValue(raw, at, rs.scope), rs.runtime);
  const text = typeof value === 'string' ? value : '';
  const canonical = POLICIES.find((p) => p === text || (rs.scope.version.lowerCaseDeletionPolicies && p.toLowerCase() === text));
  if (canonical === undefined) throw templateError(rs.scope.locator, at, `invalid deletion policy ${JSON.stringify(value)} (use ${POLICIES.join(', ')})`);
  return canonical as ResourceDefinition['deletionPolicy'];
}

function dependsOnList(raw: unknown, at: Path, rs: ResourceScope): string[] {
  if (raw === undefined || raw === null) return [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((d) => typeof d === 'string')) {
    throw templateError(rs.scope.locator, at, 'depends_on must be a resource name or a list of resource names');
  }
  return list as string[];
}

/** Checks a reference from `from` (at `path`) to another resource. */
export function checkReference(ref: ResourceReference, from: string, all: Readonly<Record<string, unknown>>, compiled: CompiledResources, mappings: ReadonlyMap<string, TypeMapping>, rs: ResourceScope): void {
  const fail = (reason: string): never => { throw templateError(rs.scope.locator, [...ref.path, ref.fn], reason); };
  if (!Object.hasOwn(all, ref.resource)) fail(`resource "${ref.resource}" is not defined in the template`);
  if (compiled.disabled.has(ref.resource)) fail(`resource "${ref.resource}" is not created (its condition is false), so ${from} cannot refer to it`);
  if (ref.resource === from) fail(`resource "${from}" refers to itself`);
  const mapping = mappings.get(ref.resource);
  if (ref.attribute === undefined || ref.attribute === 'show' || mapping?.kind !== 'type') return;
  const type = rs.registry?.get(mapping.type);
  if (type === undefined || type.anyProperties === true || type.anyAttributes === true) return;
  if (!Object.hasOwn(type.attributes, ref.attribute)) {
    fail(`resource "${ref.resource}" (${mapping.type}) has no attribute "${ref.attribute}" (it has: ${Object.keys(type.attributes).sort().join(', ') || 'none'})`);
  }
}

/** Compiles the `resources` section of `document`. */
export async function compileResources(document: Readonly<Record<string, unknown>>, rs: ResourceScope): Promise<CompiledResources> {
  const all = (document.resources ?? {}) as Record<string, unknown>;
  const compiled: CompiledResources = { enabled: new Map(), disabled: new Set() };
  const mappings = new Map<string, TypeMapping>();
  const shapes = new Map<string, Record<string, unknown>>();
  for (const [name, raw] of Object.entries(all)) {
    const def = checkShape(name, raw, rs);
    shapes.set(name, def);
    if (def.condition !== undefined && !(await rs.conditions.isTrue(def.condition, ['resources', name, 'condition']))) {
      compiled.disabled.add(name);
      continue;
    }
    const mapping = resolveResourceType(rs.environment, name, def.type as string);
    if (mapping.kind === 'type' && rs.registry !== undefined && !rs.registry.has(mapping.type)) {
      throw templateError(rs.scope.locator, ['resources', name, 'type'], `unknown resource type "${mapping.type}"${mapping.type !== def.type ? ` (mapped from ${def.type as string} by the environment)` : ''}`);
    }
    if (mapping.kind === 'template' && !Object.hasOwn(rs.files, mapping.template)) {
      throw templateError(rs.scope.locator, ['resources', name, 'type'], `template "${mapping.template}" for type ${mapping.type} is not in the files map`);
    }
    mappings.set(name, mapping);
  }
  for (const [name, def] of shapes) {
    if (compiled.disabled.has(name)) continue;
    const at: Path = ['resources', name];
    const properties = await compileValue(def.properties ?? {}, [...at, 'properties'], rs.scope);
    const metadata = await compileValue(def.metadata ?? {}, [...at, 'metadata'], rs.scope);
    const updatePolicy = await compileValue(def.update_policy ?? {}, [...at, 'update_policy'], rs.scope);
    for (const [key, expr] of [['properties', properties], ['metadata', metadata], ['update_policy', updatePolicy]] as const) {
      if (expr.kind === 'list' || (expr.kind === 'value' && (Array.isArray(expr.value) || (expr.value !== null && typeof expr.value !== 'object')))) {
        throw templateError(rs.scope.locator, [...at, key], `${key} must be a mapping`);
      }
    }
    const dependsOn: string[] = [];
    for (const dep of dependsOnList(def.depends_on, [...at, 'depends_on'], rs)) {
      if (!Object.hasOwn(all, dep)) throw templateError(rs.scope.locator, [...at, 'depends_on'], `resource "${dep}" in depends_on is not defined in the template`);
      if (dep === name) throw templateError(rs.scope.locator, [...at, 'depends_on'], `resource "${name}" cannot depend on itself`);
      // A resource whose condition is false does not exist; waiting for it is moot.
      if (!compiled.disabled.has(dep) && !dependsOn.includes(dep)) dependsOn.push(dep);
    }
    const references: ResourceReference[] = [];
    for (const expr of [properties, metadata, updatePolicy]) references.push(...(await resourceReferences(expr, rs.runtime)));
    for (const ref of references) checkReference(ref, name, all, compiled, mappings, rs);
    const externalId = def.external_id === undefined ? undefined : await compileValue(def.external_id, [...at, 'external_id'], rs.scope);
    if (externalId !== undefined && (await evaluate(externalId, rs.runtime)) === DEFERRED) {
      throw templateError(rs.scope.locator, [...at, 'external_id'], 'external_id must not depend on another resource');
    }
    compiled.enabled.set(name, {
      name, type: def.type as string, mapping: mappings.get(name)!,
      description: (def.description as string | undefined) ?? '',
      properties, metadata, updatePolicy,
      deletionPolicy: await deletionPolicy(def.deletion_policy, [...at, 'deletion_policy'], rs),
      ...(externalId === undefined ? {} : { externalId }),
      dependsOn, references,
      dependencies: [...new Set([...dependsOn, ...references.map((r) => r.resource)])],
    });
  }
  return compiled;
}
