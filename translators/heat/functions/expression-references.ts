/**
 * Finding the resources a compiled snippet refers to, for the dependency graph: every
 * `get_resource` and `get_attr` call, with its resource name and (for get_attr) attribute
 * evaluated from parameters alone. A name that depends on another resource is refused:
 * the graph must be known before anything is created.
 */
import { evaluate } from './evaluate.js';
import { DEFERRED, itemsOf, type Expr, type RuntimeContext } from './function.js';
import { templateError } from '../template-error.js';
import type { Path } from '../template-path.js';

/** One reference from a snippet to a resource. */
export interface ResourceReference {
  readonly resource: string;
  readonly fn: 'get_resource' | 'get_attr';
  /** For get_attr: the attribute name, if it is known without resources (undefined for all). */
  readonly attribute?: string;
  /** Where the call is written. */
  readonly path: Path;
}

function calls(expr: Expr, out: Array<Extract<Expr, { kind: 'call' }>>): void {
  if (expr.kind === 'list') for (const item of expr.items) calls(item, out);
  else if (expr.kind === 'map') for (const [, value] of expr.entries) calls(value, out);
  else if (expr.kind === 'call') {
    if (expr.name === 'get_resource' || expr.name === 'get_attr') out.push(expr);
    calls(expr.args, out);
  }
}

/** Every resource reference in `expr`; `runtime` has parameters and no resolver. */
export async function resourceReferences(expr: Expr, runtime: RuntimeContext): Promise<ResourceReference[]> {
  const found: Array<Extract<Expr, { kind: 'call' }>> = [];
  calls(expr, found);
  const refs: ResourceReference[] = [];
  for (const call of found) {
    const at = [...call.path, call.name];
    const nameExpr = call.name === 'get_resource' ? call.args : itemsOf(call.args)[0];
    const name = nameExpr === undefined ? undefined : await evaluate(nameExpr, runtime);
    if (name === DEFERRED) throw templateError(runtime.locator, at, `the resource name in "${call.name}" must not depend on another resource`);
    if (typeof name !== 'string' || name === '') throw templateError(runtime.locator, at, `the resource name in "${call.name}" must be a non-empty string, not ${JSON.stringify(name)}`);
    let attribute: string | undefined;
    if (call.name === 'get_attr') {
      const attrExpr = itemsOf(call.args)[1];
      const value = attrExpr === undefined ? undefined : await evaluate(attrExpr, runtime);
      if (typeof value === 'string') attribute = value;
    }
    refs.push({ resource: name, fn: call.name as 'get_resource' | 'get_attr', ...(attribute === undefined ? {} : { attribute }), path: call.path });
  }
  return refs;
}
