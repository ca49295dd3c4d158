/**
 * Heat's limits, configurable. The defaults are Heat's own (`max_template_size`,
 * `max_resources_per_stack`, `max_nested_stack_depth`, `max_stacks_per_tenant`).
 */
export interface HeatLimits {
  /** Largest template accepted, in bytes of its text (or of its JSON form when parsed). */
  readonly maxTemplateBytes: number;
  /** Most resources one stack may define (after conditions). */
  readonly maxResourcesPerStack: number;
  /** Deepest nesting of stacks inside stacks; the top stack is depth 0. */
  readonly maxNestedDepth: number;
  /** Most stacks a project may own (enforced by the service, carried here for one config). */
  readonly maxStacksPerProject: number;
}

/** Heat's defaults. */
export const DEFAULT_LIMITS: HeatLimits = Object.freeze({
  maxTemplateBytes: 512 * 1024,
  maxResourcesPerStack: 1000,
  maxNestedDepth: 5,
  maxStacksPerProject: 512,
});
