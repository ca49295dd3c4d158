/**
 * Value constraints shared by parameters and resource properties: `length`, `range`,
 * `modulo`, `allowed_values`, `allowed_pattern`, `custom_constraint`. A constraint with a
 * `description` reports that description when violated, as Heat does.
 */
import { deepEqual } from '../functions/function.js';

/** One constraint. */
export type Constraint =
  | { readonly kind: 'length'; readonly min?: number; readonly max?: number; readonly description?: string }
  | { readonly kind: 'range'; readonly min?: number; readonly max?: number; readonly description?: string }
  | { readonly kind: 'modulo'; readonly step: number; readonly offset: number; readonly description?: string }
  | { readonly kind: 'allowed_values'; readonly values: readonly unknown[]; readonly description?: string }
  | { readonly kind: 'allowed_pattern'; readonly pattern: string; readonly description?: string }
  | { readonly kind: 'custom_constraint'; readonly name: string; readonly description?: string };

/**
 * Checks for named custom constraints (`nova.flavor`, `glance.image`, ...), supplied by
 * the service that can look those names up. Returns an error message or undefined.
 */
export type CustomConstraintCheck = (value: unknown) => string | undefined;

/** The value kinds a constraint may apply to. */
export type ValueKind = 'string' | 'number' | 'list' | 'map' | 'boolean' | 'any';

const APPLIES_TO: Readonly<Record<Constraint['kind'], readonly ValueKind[]>> = {
  length: ['string', 'list', 'map', 'any'],
  range: ['number', 'any'],
  modulo: ['number', 'any'],
  allowed_values: ['string', 'number', 'list', 'map', 'boolean', 'any'],
  allowed_pattern: ['string', 'any'],
  custom_constraint: ['string', 'number', 'list', 'map', 'boolean', 'any'],
};

/** True when a constraint of this kind makes sense for values of `kind`. */
export function constraintApplies(constraint: Constraint['kind'], kind: ValueKind): boolean {
  return APPLIES_TO[constraint].includes(kind);
}

/** Anchors a Heat (Python) pattern so it must match the whole value. */
export function compilePattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 's');
}

function sizeOf(value: unknown): number {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length;
  return String(value).length;
}

function bounds(min: number | undefined, max: number | undefined): string {
  return `(min: ${min ?? 'None'}, max: ${max ?? 'None'})`;
}

/**
 * Checks `value` against one constraint. Returns the error message, or undefined if it
 * passes. Custom constraints without a check pass (the caller records a warning).
 */
export function violation(constraint: Constraint, value: unknown, custom?: ReadonlyMap<string, CustomConstraintCheck>): string | undefined {
  const message = (computed: string): string => constraint.description ?? computed;
  switch (constraint.kind) {
    case 'length': {
      const n = sizeOf(value);
      const ok = (constraint.min === undefined || n >= constraint.min) && (constraint.max === undefined || n <= constraint.max);
      return ok ? undefined : message(`length (${n}) is out of range ${bounds(constraint.min, constraint.max)}`);
    }
    case 'range': {
      const n = Number(value);
      const ok = (constraint.min === undefined || n >= constraint.min) && (constraint.max === undefined || n <= constraint.max);
      return ok ? undefined : message(`${value as string} is out of range ${bounds(constraint.min, constraint.max)}`);
    }
    case 'modulo': {
      const n = Number(value);
      const rest = ((n % constraint.step) + constraint.step) % constraint.step;
      return rest === constraint.offset ? undefined : message(`${value as string} is not a multiple of ${constraint.step} with an offset of ${constraint.offset}`);
    }
    case 'allowed_values': {
      const allowed = (v: unknown): boolean => constraint.values.some((a) => deepEqual(a, v) || (typeof v === 'number' && String(a) === String(v)) || (typeof a === 'number' && String(a) === String(v)));
      const ok = Array.isArray(value) ? value.every(allowed) : allowed(value);
      return ok ? undefined : message(`${JSON.stringify(value)} is not an allowed value [${constraint.values.map((a) => JSON.stringify(a)).join(', ')}]`);
    }
    case 'allowed_pattern':
      return compilePattern(constraint.pattern).test(String(value)) ? undefined : message(`"${String(value)}" does not match pattern "${constraint.pattern}"`);
    case 'custom_constraint': {
      const check = custom?.get(constraint.name);
      const problem = check?.(value);
      return problem === undefined ? undefined : message(problem);
    }
  }
}
