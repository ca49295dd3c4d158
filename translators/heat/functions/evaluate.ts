/**
 * Evaluating compiled snippets. Arguments are evaluated before their function; a function
 * whose arguments hold a DEFERRED value yields DEFERRED without running.
 */
import { templateError } from '../template-error.js';
import { containsDeferred, DEFERRED, type CallContext, type Expr, type RuntimeContext } from './function.js';

/** Evaluates `expr`; resource references go to `runtime.resolver` (DEFERRED without one). */
export async function evaluate(expr: Expr, runtime: RuntimeContext): Promise<unknown> {
  switch (expr.kind) {
    case 'value':
      return expr.value;
    case 'list': {
      const out: unknown[] = [];
      for (const item of expr.items) out.push(await evaluate(item, runtime));
      return out;
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [key, value] of expr.entries) out[key] = await evaluate(value, runtime);
      return out;
    }
    case 'call': {
      const args = await evaluate(expr.args, runtime);
      if (containsDeferred(args)) return DEFERRED;
      const at = [...expr.path, expr.name];
      const call: CallContext = {
        name: expr.name, path: expr.path, runtime,
        fail: (reason: string): never => { throw templateError(runtime.locator, at, reason); },
      };
      return await expr.fn.apply(args, call);
    }
  }
}

/** True if the compiled snippet calls no function (its value is known without a stack). */
export function isConstant(expr: Expr): boolean {
  return expr.kind === 'value';
}
