/**
 * Compiling snippets: a mapping with exactly one key that names a function of the
 * template's version becomes a call node. A function from another version, a removed
 * CloudFormation function or yaql is refused here, before anything runs. `if` is a macro:
 * its condition is decided now (conditions depend only on parameters) and only the chosen
 * branch is compiled, as Heat does.
 */
import { templateError, type Locator } from '../template-error.js';
import type { Path } from '../template-path.js';
import { CFN_FUNCTIONS, CONDITION_ONLY_FUNCTIONS, FUNCTION_INTRODUCED, type TemplateVersion } from '../template-versions.js';
import { isMap, OMIT, type CheckContext, type Expr } from './function.js';
import { FUNCTIONS } from './table.js';

/** Decides conditions for `if` (implemented by the stack's condition table). */
export interface ConditionEvaluator {
  /** A condition name, a boolean, or (from 2016-10-14) an inline condition expression. */
  isTrue(condition: unknown, path: Path): Promise<boolean>;
}

/** Where a snippet is compiled. */
export interface CompileScope {
  readonly version: TemplateVersion;
  readonly locator?: Locator;
  /** Absent where `if` cannot be used (parameters, the conditions section). */
  readonly conditions?: ConditionEvaluator;
  /** In 'condition' mode only the version's condition functions are functions. */
  readonly mode?: 'normal' | 'condition';
}

function checkContext(name: string, path: Path, scope: CompileScope): CheckContext {
  const at = [...path, name];
  return {
    name, path, version: scope.version,
    fail: (reason: string): never => { throw templateError(scope.locator, at, reason); },
  };
}

/** The function named by a one-key mapping, or undefined when it is plain data. */
function functionName(raw: Record<string, unknown>, path: Path, scope: CompileScope): string | undefined {
  const keys = Object.keys(raw);
  if (keys.length !== 1) return undefined;
  const name = keys[0]!;
  const version = scope.version;
  const fail = (reason: string): never => { throw templateError(scope.locator, [...path, name], reason); };
  if (name === 'yaql' && (version.functions.has(name) || version.conditionFunctions.has(name))) {
    fail('yaql is not supported by this cloud; use the other intrinsic functions (str_replace, repeat, map_merge, if, ...)');
  }
  if (scope.mode === 'condition') {
    if (version.conditionFunctions.has(name) && FUNCTIONS[name] !== undefined) return name;
    if (version.functions.has(name) || name in CFN_FUNCTIONS) fail(`function "${name}" cannot be used in a condition`);
    return undefined;
  }
  if (version.functions.has(name)) return name;
  const replacement = CFN_FUNCTIONS[name];
  if (replacement !== undefined) {
    fail(`"${name}" is a CloudFormation function, which HOT templates do not support here (use ${replacement})`);
  }
  const introduced = FUNCTION_INTRODUCED.get(name);
  if (introduced !== undefined && !CONDITION_ONLY_FUNCTIONS.has(name)) {
    fail(`function "${name}" is not available in heat_template_version ${version.id} (it was added in ${introduced})`);
  }
  return undefined;
}

async function compileIf(args: unknown, path: Path, scope: CompileScope): Promise<Expr | typeof OMIT> {
  const at = [...path, 'if'];
  const fail = (reason: string): never => { throw templateError(scope.locator, at, reason); };
  const min = scope.version.ifNullable ? 2 : 3;
  if (!Array.isArray(args) || args.length < min || args.length > 3) {
    fail(scope.version.ifNullable
      ? 'arguments to "if" must be [condition, value_if_true] or [condition, value_if_true, value_if_false]'
      : 'arguments to "if" must be [condition, value_if_true, value_if_false]');
  }
  const list = args as unknown[];
  if (scope.conditions === undefined) fail('"if" cannot be used here');
  const chosen = (await scope.conditions!.isTrue(list[0], [...at, 0])) ? 1 : 2;
  if (chosen >= list.length) return OMIT;
  return compileSnippet(list[chosen], [...at, chosen], scope);
}

/**
 * Compiles `raw` found at `path`. Returns OMIT when an `if` without a false value chose
 * to leave the snippet out; lists and maps drop such items themselves.
 */
export async function compileSnippet(raw: unknown, path: Path, scope: CompileScope): Promise<Expr | typeof OMIT> {
  if (Array.isArray(raw)) {
    const items: Expr[] = [];
    for (let i = 0; i < raw.length; i++) {
      const item = await compileSnippet(raw[i], [...path, i], scope);
      if (item !== OMIT) items.push(item);
    }
    return items.every((e) => e.kind === 'value')
      ? { kind: 'value', value: items.map((e) => (e as { value: unknown }).value) }
      : { kind: 'list', items };
  }
  if (!isMap(raw)) return { kind: 'value', value: raw };
  const name = functionName(raw, path, scope);
  if (name === 'if') return compileIf(raw[name], path, scope);
  if (name !== undefined) {
    const fn = FUNCTIONS[name]!;
    const args = await compileSnippet(raw[name], [...path, name], scope);
    const argsExpr: Expr = args === OMIT ? { kind: 'value', value: null } : args;
    fn.check?.(argsExpr, checkContext(name, path, scope));
    return { kind: 'call', fn, name, args: argsExpr, path };
  }
  const entries: Array<readonly [string, Expr]> = [];
  for (const [key, value] of Object.entries(raw)) {
    const compiled = await compileSnippet(value, [...path, key], scope);
    if (compiled !== OMIT) entries.push([key, compiled]);
  }
  if (entries.every(([, e]) => e.kind === 'value')) {
    return { kind: 'value', value: Object.fromEntries(entries.map(([k, e]) => [k, (e as { value: unknown }).value])) };
  }
  return { kind: 'map', entries };
}

/** Compiles a snippet that must not vanish (an OMIT there becomes null). */
export async function compileValue(raw: unknown, path: Path, scope: CompileScope): Promise<Expr> {
  const expr = await compileSnippet(raw, path, scope);
  return expr === OMIT ? { kind: 'value', value: null } : expr;
}
