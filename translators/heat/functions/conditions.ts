/**
 * Conditions (2016-10-14 on): the `conditions` section names boolean expressions built
 * from `equals`, `not`, `and`, `or`, `contains` and `get_param`; resources, outputs and
 * `if` refer to them by name or (as Heat allows) inline. They depend only on parameters,
 * so each is decided once, when the stack is compiled. One condition may name another;
 * a loop of names is refused.
 */
import { templateError, type Locator } from '../template-error.js';
import { formatPath, type Path } from '../template-path.js';
import type { TemplateVersion } from '../template-versions.js';
import { compileValue, type ConditionEvaluator } from './compile.js';
import { evaluate } from './evaluate.js';
import { deepEqual, isMap, type RuntimeContext } from './function.js';

/** The decided conditions of one stack. */
export class ConditionTable implements ConditionEvaluator {
  readonly #definitions: Readonly<Record<string, unknown>>;
  readonly #decided = new Map<string, boolean>();
  readonly #deciding = new Set<string>();
  readonly #version: TemplateVersion;
  readonly #locator: Locator | undefined;
  readonly #runtime: RuntimeContext;

  /** `definitions` is the template's `conditions` section; `runtime` supplies parameters. */
  constructor(definitions: Readonly<Record<string, unknown>>, runtime: RuntimeContext) {
    this.#definitions = definitions;
    this.#version = runtime.version;
    this.#locator = runtime.locator;
    this.#runtime = runtime;
  }

  /** Decides every named condition (so a broken one fails even if unused). */
  async decideAll(): Promise<ReadonlyMap<string, boolean>> {
    for (const name of Object.keys(this.#definitions)) await this.#named(name, ['conditions', name]);
    return this.#decided;
  }

  /** A condition name, a boolean, or an inline condition expression. */
  async isTrue(condition: unknown, path: Path): Promise<boolean> {
    if (typeof condition === 'boolean') return condition;
    if (typeof condition === 'string') return this.#named(condition, path);
    return this.#expression(condition, path);
  }

  async #named(name: string, path: Path): Promise<boolean> {
    const known = this.#decided.get(name);
    if (known !== undefined) return known;
    if (!Object.hasOwn(this.#definitions, name)) {
      throw templateError(this.#locator, path, `condition "${name}" is not defined in the conditions section`);
    }
    if (this.#deciding.has(name)) {
      throw templateError(this.#locator, ['conditions', name], `condition "${name}" refers to itself: ${[...this.#deciding, name].join(' -> ')}`);
    }
    this.#deciding.add(name);
    try {
      const value = await this.isTrue(this.#definitions[name], ['conditions', name]);
      this.#decided.set(name, value);
      return value;
    } finally {
      this.#deciding.delete(name);
    }
  }

  async #value(raw: unknown, path: Path): Promise<unknown> {
    const scope = { version: this.#version, mode: 'condition' as const, ...(this.#locator === undefined ? {} : { locator: this.#locator }) };
    return evaluate(await compileValue(raw, path, scope), this.#runtime);
  }

  async #expression(condition: unknown, path: Path): Promise<boolean> {
    const fail = (at: Path, reason: string): never => { throw templateError(this.#locator, at, reason); };
    if (!isMap(condition) || Object.keys(condition).length !== 1) {
      return fail(path, `invalid condition ${JSON.stringify(condition)}: use a condition name, true/false, or one of ${[...this.#version.conditionFunctions].join(', ')}`);
    }
    const [name, args] = Object.entries(condition)[0]!;
    const at = [...path, name];
    if (name === 'yaql' && this.#version.conditionFunctions.has(name)) fail(at, 'yaql is not supported by this cloud');
    if (!this.#version.conditionFunctions.has(name)) {
      return fail(at, `"${name}" cannot be used in a condition in heat_template_version ${this.#version.id} (allowed: ${[...this.#version.conditionFunctions].join(', ')})`);
    }
    switch (name) {
      case 'equals': {
        if (!Array.isArray(args) || args.length !== 2) fail(at, 'arguments to "equals" must be of the form [value_1, value_2]');
        const [a, b] = args as unknown[];
        return deepEqual(await this.#value(a, [...at, 0]), await this.#value(b, [...at, 1]));
      }
      case 'not':
        if (args === null || args === undefined) fail(at, 'argument to "not" must be a condition');
        return !(await this.isTrue(args, at));
      case 'and':
      case 'or': {
        if (!Array.isArray(args)) fail(at, `arguments to "${name}" must be a list of conditions`);
        if ((args as unknown[]).length < 2) fail(at, `"${name}" needs at least 2 conditions`);
        const values: boolean[] = [];
        for (let i = 0; i < (args as unknown[]).length; i++) values.push(await this.isTrue((args as unknown[])[i], [...at, i]));
        return name === 'and' ? values.every(Boolean) : values.some(Boolean);
      }
      default: {
        // get_param and contains: evaluate as a value, which must come out boolean.
        const value = await this.#value(condition, path);
        if (typeof value === 'boolean') return value;
        if (value === 'true' || value === 'false') return value === 'true';
        return fail(path, `condition at ${formatPath(path)} must be a boolean, not ${JSON.stringify(value)}`);
      }
    }
  }
}
