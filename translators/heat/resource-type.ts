/**
 * Resource types, the contract. A type is a schema (its properties and attributes, as a
 * Heat user reads them in `openstack orchestration resource type show`) plus a handler
 * that does the work. Vocabulary: the *definition* is what the template says; *properties*
 * are the definition's values after functions are evaluated, checked against the schema
 * and completed with defaults; the *state* is what the handler returns after creating,
 * which the service stores and hands back for update, delete and attributes.
 *
 * Lifecycle: `create` is called once the resource's dependencies are complete; if it
 * fails, anything it made must be gone. `update` (optional) changes the resource in
 * place and is only called when every changed property is `updateAllowed`; otherwise the
 * service creates a replacement and deletes the old one. `delete` resolves when the
 * resource is already gone.
 */
import type { Constraint } from './parameters/constraints.js';

/** Property value types. `integer` accepts numeric strings; `any` is unchecked. */
export type PropertyType = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'map' | 'any';

/** One property of a resource type. */
export interface PropertySchema {
  readonly type: PropertyType;
  readonly description?: string;
  readonly required?: boolean;
  readonly default?: unknown;
  /** Changing it updates the resource in place; otherwise a change replaces it. */
  readonly updateAllowed?: boolean;
  /** It may never change once created (an update that changes it is refused). */
  readonly immutable?: boolean;
  readonly constraints?: readonly Constraint[];
  /** For `map`: the schema of each known key (unknown keys are then refused). */
  readonly schema?: Readonly<Record<string, PropertySchema>>;
  /** For `list`: the schema of every item. */
  readonly items?: PropertySchema;
}

/** One attribute of a resource type. */
export interface AttributeSchema {
  readonly description: string;
  readonly type?: 'string' | 'number' | 'integer' | 'boolean' | 'list' | 'map';
}

/** What the service stores for a created resource. */
export interface ResourceState {
  /** The physical resource id shown to users. */
  readonly physicalId: string;
  /** Private data the handler needs later (never shown). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** What a handler is told about the resource it acts on; `C` is the service clients. */
export interface ResourceContext<C = unknown> {
  readonly stackName: string;
  readonly stackId: string;
  readonly projectId: string;
  /** The logical name in the template. */
  readonly resourceName: string;
  /** A unique name for the real thing: `<stack>-<resource>-<random>`. */
  readonly physicalName: string;
  readonly clients: C;
}

/** Does the work of one resource type. */
export interface ResourceHandler<C = unknown> {
  /** Creates the resource from checked properties; on failure leaves nothing behind. */
  create(ctx: ResourceContext<C>, properties: Readonly<Record<string, unknown>>): Promise<ResourceState>;
  /**
   * Updates in place; `changed` names the properties that differ, all `updateAllowed`.
   * Absent: every change replaces the resource.
   */
  update?(ctx: ResourceContext<C>, state: ResourceState, properties: Readonly<Record<string, unknown>>, changed: readonly string[]): Promise<ResourceState>;
  /** Deletes the resource; resolves if it is already gone. */
  delete(ctx: ResourceContext<C>, state: ResourceState): Promise<void>;
  /** The value of attribute `name` (one of the type's attributes). */
  attribute(ctx: ResourceContext<C>, state: ResourceState, name: string): Promise<unknown>;
  /** What `get_resource` answers; the physical id when absent. */
  referenceId?(state: ResourceState): string;
}

/** A resource type: schema and handler. */
export interface ResourceType<C = unknown> {
  /** e.g. 'OS::Heat::RandomString'. */
  readonly name: string;
  readonly description: string;
  readonly properties: Readonly<Record<string, PropertySchema>>;
  readonly attributes: Readonly<Record<string, AttributeSchema>>;
  /** Accepts any properties unchecked and never replaces on update (OS::Heat::None). */
  readonly anyProperties?: boolean;
  /**
   * Answers attribute names beyond its schema (OS::Heat::ResourceGroup: `resource.0`, or
   * any member attribute as a list), so references to them are not refused at compile time.
   */
  readonly anyAttributes?: boolean;
  /**
   * Heat's implicit dependency: a resource of this type waits for every resource of type
   * `peer` that references the same resource of type `via` (implicit-dependencies.ts).
   */
  readonly waitsForPeers?: { readonly peer: string; readonly via: string };
  /**
   * Checks across properties after each was checked alone. Returns undefined or the
   * problem, optionally naming the property it is about.
   */
  validate?(properties: Readonly<Record<string, unknown>>): { property?: string; message: string } | undefined;
  readonly handler: ResourceHandler<C>;
}

/**
 * Whether a change to `changed` properties can be made in place or needs a replacement.
 * 'refuse' names a changed immutable property.
 */
export function planResourceUpdate(type: ResourceType<never> | ResourceType, changed: readonly string[]): 'update' | 'replace' | { refuse: string } {
  if (type.anyProperties === true) return 'update';
  const immutable = changed.find((name) => type.properties[name]?.immutable === true);
  if (immutable !== undefined) return { refuse: immutable };
  if (type.handler.update === undefined) return 'replace';
  return changed.every((name) => type.properties[name]?.updateAllowed === true) ? 'update' : 'replace';
}
