/**
 * Functions that read the stack: `get_param`, `get_resource`, `get_attr`, `get_file`,
 * `resource_facade`. Only `get_resource` and `get_attr` need created resources.
 */
import { DEFERRED, isMap, itemsOf, shapeOf, show, type CallContext, type TemplateFunction } from './function.js';

/**
 * Follows `path` into `value` as Heat does for `get_param` and attribute paths: map keys
 * by name, list items by index (an index may be a numeric string). Returns undefined when
 * the path leads nowhere.
 */
export function selectPath(value: unknown, path: ReadonlyArray<unknown>): unknown {
  let current = value;
  for (const key of path) {
    if (Array.isArray(current)) {
      const index = typeof key === 'number' ? key : typeof key === 'string' && /^-?\d+$/.test(key) ? Number(key) : NaN;
      if (!Number.isInteger(index)) return undefined;
      current = current[index < 0 ? current.length + index : index];
    } else if (isMap(current) && (typeof key === 'string' || typeof key === 'number')) {
      current = Object.hasOwn(current, String(key)) ? current[String(key)] : undefined;
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

export const getParam: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    if (shape === 'null' || (shape === 'list' && itemsOf(args).length === 0)) call.fail('"get_param" needs a parameter name');
    if (shape !== 'string' && shape !== 'list' && shape !== 'call') call.fail('argument to "get_param" must be a string or a list');
  },
  apply(args, call) {
    const [name, ...path] = Array.isArray(args) ? args : [args];
    if (typeof name !== 'string') call.fail(`parameter name in "get_param" must be a string, not ${show(name)}`);
    const params = call.runtime.params;
    if (!params.has(name as string)) call.fail(`parameter "${name as string}" is not defined in the template`);
    const value = params.get(name as string);
    if (path.length === 0) return value;
    for (const key of path) {
      if (typeof key !== 'string' && typeof key !== 'number') call.fail(`path components in "get_param" must be strings or numbers, not ${show(key)}`);
    }
    // Heat answers '' when a path does not lead anywhere, rather than failing.
    return selectPath(value, path) ?? '';
  },
};

/** The resource name a `get_resource`/`get_attr` argument evaluated to, checked. */
function resourceName(value: unknown, call: CallContext): string {
  if (typeof value !== 'string' || value === '') call.fail(`resource name in "${call.name}" must be a non-empty string, not ${show(value)}`);
  return value as string;
}

export const getResource: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    if (shape !== 'string' && shape !== 'call') call.fail('argument to "get_resource" must be a resource name');
  },
  apply(args, call) {
    const name = resourceName(args, call);
    const resolver = call.runtime.resolver;
    return resolver === undefined ? DEFERRED : resolver.getResource(name);
  },
};

export const getAttr: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    const min = call.version.getAttrAll ? 1 : 2;
    const form = call.version.getAttrAll ? '[resource_name] or [resource_name, attribute, (path), ...]' : '[resource_name, attribute, (path), ...]';
    if (shape !== 'list') call.fail(`arguments to "get_attr" must be a list: ${form}`);
    if (itemsOf(args).length < min) call.fail(`arguments to "get_attr" must be of the form ${form}`);
  },
  async apply(args, call) {
    const list = args as unknown[];
    const name = resourceName(list[0], call);
    const path = list.slice(1);
    for (const key of path) {
      if (typeof key !== 'string' && typeof key !== 'number') call.fail(`attribute name and path in "get_attr" must be strings or numbers, not ${show(key)}`);
    }
    const resolver = call.runtime.resolver;
    if (resolver === undefined) return DEFERRED;
    const value = await resolver.getAttr(name, path as Array<string | number>);
    return value === undefined ? null : value;
  },
};

export const getFile: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    if (shape !== 'string' && shape !== 'call') call.fail('argument to "get_file" must be a string');
  },
  apply(args, call) {
    if (typeof args !== 'string') call.fail(`argument to "get_file" must be a string, not ${show(args)}`);
    const files = call.runtime.files;
    const content = Object.hasOwn(files, args as string) ? files[args as string] : undefined;
    if (content === undefined) call.fail(`no content in the "files" map for get_file path ${args as string}`);
    return content;
  },
};

const FACADE_ATTRIBUTES = ['metadata', 'deletion_policy', 'update_policy'];

export const resourceFacade: TemplateFunction = {
  check(args, call) {
    if (args.kind === 'value' && !FACADE_ATTRIBUTES.includes(args.value as string)) {
      call.fail(`argument to "resource_facade" must be one of ${FACADE_ATTRIBUTES.join(', ')}`);
    }
  },
  apply(args, call) {
    const facade = call.runtime.facade;
    if (facade === undefined) call.fail('"resource_facade" can only be used in a template that implements a resource type (a nested stack)');
    if (args === 'metadata') return facade!.metadata ?? {};
    if (args === 'update_policy') return facade!.updatePolicy ?? {};
    if (args === 'deletion_policy') return facade!.deletionPolicy ?? 'Delete';
    return call.fail(`argument to "resource_facade" must be one of ${FACADE_ATTRIBUTES.join(', ')}`);
  },
};
