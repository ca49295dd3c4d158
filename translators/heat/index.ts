/**
 * The Heat template engine: HOT templates and environments in, compiled stacks out
 * (parameters, conditions, resources with lazily evaluated properties, outputs, the
 * dependency graph), update plans between two compiled stacks, and the resource type
 * contract with the pure built-in types. No HTTP, no containers.
 */
export { compileStack, StackDefinition, type CompileStackOptions, type OutputDefinition, type OutputValue } from './stack-definition.js';
export { parseTemplate, type HotTemplate, type ParseTemplateOptions } from './hot-template.js';
export { parseEnvironment, emptyEnvironment, resolveResourceType, type Environment, type MergeStrategy, type TypeMapping } from './environment.js';
export { mergeEnvironments, requestEnvironment } from './environment-merge.js';
export type { ResourceDefinition } from './resource-definitions.js';
export { DependencyGraph, findCycle } from './dependency-graph.js';
export { diffStacks, type UpdatePlan, type ResourceUpdate, type ResourceReplacement } from './update-diff.js';
export { DEFERRED, containsDeferred, replaceDeferred, type Resolver, type ResourceFacade } from './functions/function.js';
export { selectPath } from './functions/references.js';
export { checkProperties } from './properties.js';
export {
  planResourceUpdate, type ResourceType, type ResourceHandler, type ResourceContext, type ResourceState,
  type PropertySchema, type PropertyType, type AttributeSchema,
} from './resource-type.js';
export { ResourceTypeRegistry } from './resource-registry.js';
export { builtinResourceTypes } from './resources/index.js';
export type { Constraint, CustomConstraintCheck } from './parameters/constraints.js';
export type { ParameterSchema, ParameterType } from './parameters/parameter-schema.js';
export { PSEUDO_PARAMETERS, type StackIdentity } from './parameters/parameter-values.js';
export { TemplateError, TemplateLimitError } from './template-error.js';
export { DEFAULT_LIMITS, type HeatLimits } from './limits.js';
export { templateVersion, VERSION_IDS, type TemplateVersion } from './template-versions.js';
export { templateValidateView, resourceTypeView } from './views.js';
export { physicalResourceName } from './physical-name.js';
