/**
 * The resource types a cloud offers, by name. Registration is explicit: the service lists
 * its types (STYLE §4); `builtinResourceTypes()` gives the pure ones this module implements.
 */
import { AlreadyExistsError } from '../../engine/errors.js';
import type { ResourceType } from './resource-type.js';

/** Resource types by name. */
export class ResourceTypeRegistry<C = unknown> {
  readonly #types = new Map<string, ResourceType<C>>();

  constructor(types: Iterable<ResourceType<C>> = []) {
    for (const type of types) this.register(type);
  }

  /** Adds a type; refuses a name already registered. */
  register(type: ResourceType<C>): void {
    if (this.#types.has(type.name)) throw new AlreadyExistsError(`resource type '${type.name}' is already registered`);
    this.#types.set(type.name, type);
  }

  /** The type, or undefined. */
  get(name: string): ResourceType<C> | undefined {
    return this.#types.get(name);
  }

  has(name: string): boolean {
    return this.#types.has(name);
  }

  /** Every type name, sorted. */
  names(): string[] {
    return [...this.#types.keys()].sort();
  }
}
