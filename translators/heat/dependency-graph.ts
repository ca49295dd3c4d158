/**
 * The order of work in a stack. Each resource depends on the resources it names in
 * `depends_on`, `get_resource` and `get_attr`. Creation runs in waves: a resource is ready
 * once everything it depends on is complete, so independent resources run in parallel.
 * Deletion runs the other way: a resource is ready to delete once everything that depends
 * on it is gone. Cycles are refused when the graph is built, naming the loop.
 */
import { TemplateError } from './template-error.js';

/** Finds one dependency cycle, returned as a closed path (`['web', 'db', 'web']`). */
export function findCycle(dependencies: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const s = state.get(node);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const dep of dependencies.get(node) ?? []) {
      const cycle = visit(dep);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of dependencies.keys()) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** The dependencies of a stack's resources, acyclic by construction. */
export class DependencyGraph {
  readonly #requires: ReadonlyMap<string, readonly string[]>;
  readonly #requiredBy: ReadonlyMap<string, readonly string[]>;

  /**
   * `dependencies` maps each resource to those it depends on, in template order. Refuses
   * a dependency on a resource not in the graph and any cycle.
   */
  constructor(dependencies: ReadonlyMap<string, readonly string[]>) {
    const requiredBy = new Map<string, string[]>();
    for (const node of dependencies.keys()) requiredBy.set(node, []);
    for (const [node, deps] of dependencies) {
      for (const dep of deps) {
        const list = requiredBy.get(dep);
        if (list === undefined) throw new TemplateError(`resource "${node}" depends on "${dep}", which is not in the stack`, `resources.${node}`);
        if (!list.includes(node)) list.push(node);
      }
    }
    const cycle = findCycle(dependencies);
    if (cycle !== undefined) {
      throw new TemplateError(`circular dependency between resources: ${cycle.join(' -> ')}`, `resources.${cycle[0]!}`);
    }
    this.#requires = new Map([...dependencies].map(([k, v]) => [k, [...new Set(v)]]));
    this.#requiredBy = requiredBy;
  }

  /** Every resource, in template order. */
  nodes(): string[] {
    return [...this.#requires.keys()];
  }

  /** What `name` depends on. */
  dependenciesOf(name: string): readonly string[] {
    return this.#requires.get(name) ?? [];
  }

  /** What depends on `name` (Heat's `required_by`). */
  dependentsOf(name: string): readonly string[] {
    return this.#requiredBy.get(name) ?? [];
  }

  /** Resources not yet started whose dependencies are all in `completed`. */
  readyToCreate(completed: ReadonlySet<string>, started: ReadonlySet<string> = new Set()): string[] {
    return this.nodes().filter((n) => !completed.has(n) && !started.has(n) && this.dependenciesOf(n).every((d) => completed.has(d)));
  }

  /** Resources not yet deleted or started whose dependents are all in `deleted`. */
  readyToDelete(deleted: ReadonlySet<string>, started: ReadonlySet<string> = new Set()): string[] {
    return this.nodes().filter((n) => !deleted.has(n) && !started.has(n) && this.dependentsOf(n).every((d) => deleted.has(d)));
  }

  /** The creation order as waves; everything in one wave can run at once. */
  createWaves(): string[][] {
    return this.#waves((done) => this.readyToCreate(done));
  }

  /** The deletion order as waves: dependents before what they depend on. */
  deleteWaves(): string[][] {
    return this.#waves((done) => this.readyToDelete(done));
  }

  #waves(ready: (done: ReadonlySet<string>) => string[]): string[][] {
    const done = new Set<string>();
    const waves: string[][] = [];
    while (done.size < this.#requires.size) {
      const wave = ready(done);
      waves.push(wave);
      for (const n of wave) done.add(n);
    }
    return waves;
  }
}
