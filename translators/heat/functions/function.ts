/**
 * Intrinsic functions, the vocabulary: a template snippet is compiled once into an
 * expression tree (`Expr`) in which each function call is a node; the tree is evaluated
 * later, as often as needed, against a runtime context. Parameters and conditions are
 * known when a stack is compiled; resources are not, so `get_resource` and `get_attr`
 * ask a `Resolver` only when evaluated, after the resources they name exist. Evaluated
 * without a resolver (validate, preview, update diff), they yield `DEFERRED`, and every
 * function given a deferred argument yields `DEFERRED` in turn.
 */
import type { Locator } from '../template-error.js';
import type { Path } from '../template-path.js';
import type { TemplateVersion } from '../template-versions.js';

/** A value not known until a resource exists. */
export const DEFERRED: unique symbol = Symbol('heat.deferred');
/** Left by `if` without a false value (2021-04-16): the enclosing item is dropped. */
export const OMIT: unique symbol = Symbol('heat.omit');

/** A compiled snippet. `value` subtrees contain no function call. */
export type Expr =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'list'; readonly items: readonly Expr[] }
  | { readonly kind: 'map'; readonly entries: ReadonlyArray<readonly [string, Expr]> }
  | { readonly kind: 'call'; readonly fn: TemplateFunction; readonly name: string; readonly args: Expr; readonly path: Path };

/**
 * What a stack's resources answer, implemented by the orchestration service. Both may
 * return promises; they are called only for resources that have been created.
 */
export interface Resolver {
  /** The reference id `get_resource` returns (normally the physical id). */
  getResource(name: string): string | Promise<string>;
  /**
   * The value of `get_attr`: `path[0]` is the attribute name and the rest a path into
   * it; an empty path asks for all attributes as a map (`get_attr: [name]`).
   */
  getAttr(name: string, path: ReadonlyArray<string | number>): unknown;
}

/** What `resource_facade` reads in a nested stack: its parent resource's definition. */
export interface ResourceFacade {
  readonly metadata?: unknown;
  readonly deletionPolicy?: string;
  readonly updatePolicy?: unknown;
}

/** Everything evaluation may read. */
export interface RuntimeContext {
  readonly version: TemplateVersion;
  readonly locator?: Locator;
  /** Parameter values by name, pseudo parameters included, already typed. */
  readonly params: ReadonlyMap<string, unknown>;
  /** `get_file` contents by key (heatclient sends `file:///abs/path` keys). */
  readonly files: Readonly<Record<string, string>>;
  /** Absent while validating: resource references then evaluate to DEFERRED. */
  readonly resolver?: Resolver;
  /** Present in a nested stack made from a template resource. */
  readonly facade?: ResourceFacade;
}

/** One function call being evaluated. */
export interface CallContext {
  /** The function's name as written. */
  readonly name: string;
  readonly path: Path;
  readonly runtime: RuntimeContext;
  /** Throws a TemplateError located at this call. */
  fail(reason: string): never;
}

/** One call being compiled (before anything is evaluated). */
export interface CheckContext {
  readonly name: string;
  readonly path: Path;
  readonly version: TemplateVersion;
  fail(reason: string): never;
}

/** One intrinsic function. */
export interface TemplateFunction {
  /** Refuses arguments whose shape is wrong already as written. */
  check?(args: Expr, call: CheckContext): void;
  /** Computes the result from the evaluated arguments (never DEFERRED ones). */
  apply(args: unknown, call: CallContext): unknown;
}

/** The shape of a compiled argument, when it is known without evaluating it. */
export function shapeOf(expr: Expr): 'list' | 'map' | 'call' | 'string' | 'number' | 'boolean' | 'null' | 'other' {
  if (expr.kind === 'list') return 'list';
  if (expr.kind === 'map') return 'map';
  if (expr.kind === 'call') return 'call';
  const v = expr.value;
  if (Array.isArray(v)) return 'list';
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return typeof v as 'string' | 'number' | 'boolean';
  return 'other';
}

/** The items of a list-shaped argument, each as an expression. */
export function itemsOf(expr: Expr): readonly Expr[] {
  if (expr.kind === 'list') return expr.items;
  if (expr.kind === 'value' && Array.isArray(expr.value)) return expr.value.map((value) => ({ kind: 'value', value }));
  return [];
}

/** The keys of a map-shaped argument. */
export function keysOf(expr: Expr): readonly string[] {
  if (expr.kind === 'map') return expr.entries.map(([k]) => k);
  if (expr.kind === 'value' && typeof expr.value === 'object' && expr.value !== null && !Array.isArray(expr.value)) {
    return Object.keys(expr.value);
  }
  return [];
}

/** True if the value is DEFERRED or holds DEFERRED anywhere inside. */
export function containsDeferred(value: unknown): boolean {
  if (value === DEFERRED) return true;
  if (Array.isArray(value)) return value.some(containsDeferred);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsDeferred);
  return false;
}

/**
 * A copy of `value` with every DEFERRED replaced by `placeholder`: what a preview or a
 * stack shown mid-creation displays for values that do not exist yet.
 */
export function replaceDeferred(value: unknown, placeholder: unknown = null): unknown {
  if (value === DEFERRED) return placeholder;
  if (Array.isArray(value)) return value.map((v) => replaceDeferred(v, placeholder));
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeferred(v, placeholder)]));
  return value;
}

/** A plain mapping (not null, not a list). */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Short printable form of a value for messages. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * JSON as Python's `json.dumps(value, sort_keys=True)` writes it, which is what Heat
 * substitutes for maps and lists in `str_replace` and `list_join`: `{"a": 1, "b": [2, 3]}`.
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (isMap(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${pythonJson(value[k])}`).join(', ')}}`;
  }
  if (value === undefined) return 'null';
  return JSON.stringify(value);
}

/** Deep equality of JSON-like values (Python `==` on the same data). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
