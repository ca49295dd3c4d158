/**
 * A compiled stack: a template with its parameter values, decided conditions, enabled
 * resources, outputs and dependency graph. Compiling refuses everything that can be known
 * wrong before a resource exists. Properties, metadata and outputs are evaluated later,
 * on demand, against a `Resolver` over the created resources; without one (validate,
 * preview) references evaluate to DEFERRED and type checks skip them.
 */
import { DependencyGraph } from './dependency-graph.js';
import { withImplicitDependencies } from './implicit-dependencies.js';
import { emptyEnvironment, type Environment } from './environment.js';
import type { CompileScope } from './functions/compile.js';
import { compileValue } from './functions/compile.js';
import { ConditionTable } from './functions/conditions.js';
import { evaluate } from './functions/evaluate.js';
import { resourceReferences } from './functions/expression-references.js';
import { containsDeferred, type Expr, type ResourceFacade, type Resolver, type RuntimeContext } from './functions/function.js';
import { parseTemplate, type HotTemplate } from './hot-template.js';
import { DEFAULT_LIMITS, type HeatLimits } from './limits.js';
import type { CustomConstraintCheck } from './parameters/constraints.js';
import { displayParameters, resolveParameters, type StackIdentity } from './parameters/parameter-values.js';
import { checkProperties } from './properties.js';
import { checkReference, compileResources, type ResourceDefinition } from './resource-definitions.js';
import type { ResourceTypeRegistry } from './resource-registry.js';
import { templateError, TemplateLimitError } from './template-error.js';
import { isMapping } from './template-source.js';

/** One output, compiled. An output whose condition is false has value null. */
export interface OutputDefinition {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly value: Expr;
}

/** An output as a stack shows it; `error` instead of a value when evaluation failed. */
export interface OutputValue {
  readonly output_key: string;
  readonly description: string;
  readonly output_value: unknown;
  readonly output_error?: string;
}

/** Options of {@link compileStack}. */
export interface CompileStackOptions {
  readonly identity: StackIdentity;
  /** File name for errors when the template is text. */
  readonly filename?: string;
  /** `get_file` contents and registry template files, by key. */
  readonly files?: Readonly<Record<string, string>>;
  /** The merged environment (see mergeEnvironments). */
  readonly environment?: Environment;
  /** The request's parameter values; they win over the environment's `parameters`. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** When given, resource types and attributes are checked against it. */
  readonly registry?: ResourceTypeRegistry<never> | ResourceTypeRegistry;
  readonly limits?: Partial<HeatLimits>;
  /** Nesting depth of this stack: 0 for a top-level stack. */
  readonly depth?: number;
  /** For a nested stack implementing a resource: what resource_facade reads. */
  readonly facade?: ResourceFacade;
  readonly customConstraints?: ReadonlyMap<string, CustomConstraintCheck>;
}

/** A compiled stack; see the module comment. */
export class StackDefinition {
  /** Lines worth showing a user that do not stop the stack (unchecked custom constraints). */
  readonly warnings: string[];

  constructor(
    readonly template: HotTemplate,
    readonly parameters: ReadonlyMap<string, unknown>,
    readonly conditions: ReadonlyMap<string, boolean>,
    readonly resources: ReadonlyMap<string, ResourceDefinition>,
    /** Resources whose condition is false: never created. */
    readonly disabledResources: ReadonlySet<string>,
    readonly outputs: ReadonlyMap<string, OutputDefinition>,
    readonly graph: DependencyGraph,
    private readonly options: CompileStackOptions,
    warnings: string[],
  ) {
    this.warnings = warnings;
  }

  get description(): string {
    return this.template.description;
  }

  /** The parameters as the stack view shows them (hidden ones masked). */
  displayParameters(): Record<string, string> {
    return displayParameters(this.template.parameters, this.parameters);
  }

  /** The evaluation context; without a resolver resource references are DEFERRED. */
  runtime(resolver?: Resolver): RuntimeContext {
    return {
      version: this.template.version,
      locator: this.template.source.locator,
      params: this.parameters,
      files: this.options.files ?? {},
      ...(resolver === undefined ? {} : { resolver }),
      ...(this.options.facade === undefined ? {} : { facade: this.options.facade }),
    };
  }

  #resource(name: string): ResourceDefinition {
    const def = this.resources.get(name);
    if (def === undefined) throw templateError(undefined, ['resources', name], `resource "${name}" is not in this stack`);
    return def;
  }

  /**
   * The resource's properties, evaluated and (if its type is registered) checked and
   * completed with defaults. Call with a resolver once its dependencies exist.
   */
  async properties(name: string, resolver?: Resolver): Promise<Record<string, unknown>> {
    const def = this.#resource(name);
    const values = await evaluate(def.properties, this.runtime(resolver));
    const type = def.mapping.kind === 'type' ? this.options.registry?.get(def.mapping.type) : undefined;
    if (type === undefined) return (values ?? {}) as Record<string, unknown>;
    return checkProperties(type, name, values, {
      locator: this.template.source.locator, warnings: this.warnings,
      ...(this.options.customConstraints === undefined ? {} : { customConstraints: this.options.customConstraints }),
    });
  }

  /** The resource's metadata, evaluated. */
  async metadata(name: string, resolver?: Resolver): Promise<unknown> {
    return evaluate(this.#resource(name).metadata, this.runtime(resolver));
  }

  /** The resource's update_policy, evaluated. */
  async updatePolicy(name: string, resolver?: Resolver): Promise<unknown> {
    return evaluate(this.#resource(name).updatePolicy, this.runtime(resolver));
  }

  /** The resource's external_id (adopt an existing thing instead of creating), if any. */
  async externalId(name: string): Promise<string | undefined> {
    const expr = this.#resource(name).externalId;
    if (expr === undefined) return undefined;
    const value = await evaluate(expr, this.runtime());
    return value === null || value === undefined ? undefined : String(value);
  }

  /** One output's value (DEFERRED while resources it needs are missing); throws if evaluation fails. */
  async outputValue(name: string, resolver?: Resolver): Promise<unknown> {
    const output = this.outputs.get(name);
    if (output === undefined) throw templateError(undefined, ['outputs', name], `output "${name}" is not defined`);
    return output.enabled ? evaluate(output.value, this.runtime(resolver)) : null;
  }

  /**
   * Every output as the API shows it: one not yet computable (before its resources
   * exist) is null; one that fails carries `output_error` instead of failing them all.
   */
  async outputValues(resolver?: Resolver): Promise<OutputValue[]> {
    const out: OutputValue[] = [];
    for (const output of this.outputs.values()) {
      try {
        const value = await this.outputValue(output.name, resolver);
        out.push({ output_key: output.name, description: output.description, output_value: containsDeferred(value) ? null : value });
      } catch (err) {
        out.push({ output_key: output.name, description: output.description, output_value: null, output_error: (err as Error).message });
      }
    }
    return out;
  }

  /**
   * Evaluates everything that needs no resource and checks properties against their
   * types: what `template validate` reports. compileStack runs it.
   */
  async validate(): Promise<void> {
    for (const name of this.resources.keys()) {
      await this.properties(name);
      await this.metadata(name);
      await this.updatePolicy(name);
    }
    for (const name of this.outputs.keys()) await this.outputValue(name);
  }
}

async function compileOutputs(document: Readonly<Record<string, unknown>>, scope: CompileScope, conditions: ConditionTable): Promise<Map<string, OutputDefinition>> {
  const outputs = new Map<string, OutputDefinition>();
  const keys = scope.version.hasConditions ? ['value', 'description', 'condition'] : ['value', 'description'];
  for (const [name, raw] of Object.entries((document.outputs ?? {}) as Record<string, unknown>)) {
    const at = ['outputs', name];
    if (!isMapping(raw) || !('value' in raw)) throw templateError(scope.locator, at, `output "${name}" must be a mapping with a "value" key`);
    for (const key of Object.keys(raw)) {
      if (!keys.includes(key)) throw templateError(scope.locator, [...at, key], `"${key}" is not a valid keyword inside an output (allowed: ${keys.join(', ')})`);
    }
    const enabled = raw.condition === undefined || (await conditions.isTrue(raw.condition, [...at, 'condition']));
    const value = enabled ? await compileValue(raw.value, [...at, 'value'], scope) : { kind: 'value' as const, value: null };
    outputs.set(name, { name, description: typeof raw.description === 'string' ? raw.description : 'No description given', enabled, value });
  }
  return outputs;
}

/**
 * Compiles a template (text, parsed object, or one already read by parseTemplate) with
 * its environment and parameters into a {@link StackDefinition}. Throws TemplateError
 * (located) for anything wrong, TemplateLimitError for limits.
 */
export async function compileStack(input: string | object | HotTemplate, options: CompileStackOptions): Promise<StackDefinition> {
  const limits: HeatLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const depth = options.depth ?? 0;
  if (depth > limits.maxNestedDepth) throw new TemplateLimitError(`stacks nest ${depth} deep, more than the limit of ${limits.maxNestedDepth}`);
  const template = isHotTemplate(input) ? input : parseTemplate(input, {
    limits, ...(options.filename === undefined ? {} : { filename: options.filename }),
  });
  const { document, locator } = template.source;
  const environment = options.environment ?? emptyEnvironment();
  const warnings: string[] = [];
  const parameters = resolveParameters(template.parameters, {
    values: { ...environment.parameters, ...options.parameters },
    defaults: environment.parameterDefaults,
    identity: options.identity, warnings, locator,
    ...(options.customConstraints === undefined ? {} : { customConstraints: options.customConstraints }),
  });
  const files = options.files ?? {};
  const runtime: RuntimeContext = { version: template.version, locator, params: parameters, files, ...(options.facade === undefined ? {} : { facade: options.facade }) };
  const conditions = new ConditionTable((document.conditions ?? {}) as Record<string, unknown>, runtime);
  const decided = await conditions.decideAll();
  const scope: CompileScope = { version: template.version, locator, conditions };
  const compiled = await compileResources(document, {
    scope, runtime, conditions, environment, files,
    ...(options.registry === undefined ? {} : { registry: options.registry }),
  });
  if (compiled.enabled.size > limits.maxResourcesPerStack) {
    throw new TemplateLimitError(`the template defines ${compiled.enabled.size} resources, more than the limit of ${limits.maxResourcesPerStack}`);
  }
  const outputs = await compileOutputs(document, scope, conditions);
  const all = (document.resources ?? {}) as Record<string, unknown>;
  const mappings = new Map([...compiled.enabled].map(([n, d]) => [n, d.mapping]));
  const rs = { scope, runtime, conditions, environment, files, ...(options.registry === undefined ? {} : { registry: options.registry }) };
  for (const output of outputs.values()) {
    for (const ref of await resourceReferences(output.value, runtime)) checkReference(ref, `output ${output.name}`, all, compiled, mappings, rs);
  }
  let graph: DependencyGraph;
  try {
    graph = new DependencyGraph(withImplicitDependencies(compiled.enabled, options.registry));
  } catch (err) {
    const e = err as { reason?: string; path?: string };
    if (e.reason !== undefined && e.path?.startsWith('resources.') === true) throw templateError(locator, ['resources', e.path.slice('resources.'.length)], e.reason);
    throw err;
  }
  const stack = new StackDefinition(template, parameters, decided, compiled.enabled, compiled.disabled, outputs, graph, { ...options, limits }, warnings);
  await stack.validate();
  return stack;
}

function isHotTemplate(input: unknown): input is HotTemplate {
  return typeof input === 'object' && input !== null && 'source' in input && 'version' in input && 'parameters' in input && input.parameters instanceof Map;
}
