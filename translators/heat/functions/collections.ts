/**
 * List and map functions: `repeat`, `map_merge`, `map_replace`, `list_concat`,
 * `list_concat_unique`, `filter`, `contains`.
 */
import { deepEqual, isMap, itemsOf, keysOf, pythonJson, shapeOf, show, type CallContext, type TemplateFunction } from './function.js';

function substitute(template: unknown, pairs: ReadonlyArray<readonly [string, string]>): unknown {
  if (typeof template === 'string') {
    let text = template;
    for (const [key, value] of pairs) text = text.split(key).join(value);
    return text;
  }
  if (Array.isArray(template)) return template.map((item) => substitute(item, pairs));
  if (isMap(template)) {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [substitute(k, pairs) as string, substitute(v, pairs)]));
  }
  return template;
}

function cartesian(lists: readonly unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((item) => [...prefix, item])), [[]]);
}

function repeatItemText(value: unknown, call: CallContext): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return call.fail(`the items "repeat" substitutes must be strings or numbers, not ${show(value)}`);
}

export const repeat: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    const example = 'repeat: {template: "This is %var%", for_each: {"%var%": ["a", "b", "c"]}}';
    if (shape === 'call') return;
    if (shape !== 'map') call.fail(`arguments to "repeat" must be a map: ${example}`);
    const keys = keysOf(args);
    if (!keys.includes('for_each') || !keys.includes('template')) call.fail(`"repeat" needs "template" and "for_each": ${example}`);
  },
  apply(args, call) {
    if (!isMap(args) || !('for_each' in args) || !('template' in args)) call.fail('"repeat" needs "template" and "for_each"');
    const { for_each: forEach, template, permutations } = args as Record<string, unknown>;
    const version = call.runtime.version;
    if (!isMap(forEach)) call.fail(`the "for_each" argument to "repeat" must be a map, not ${show(forEach)}`);
    let nested = true;
    if (permutations !== undefined) {
      if (!version.repeatPermutations) call.fail('"permutations" in "repeat" needs heat_template_version 2017-09-01 or later');
      if (typeof permutations !== 'boolean') call.fail('"permutations" in "repeat" must be a boolean');
      nested = permutations as boolean;
    }
    const keys = Object.keys(forEach as object);
    const lists = keys.map((key) => {
      const value = (forEach as Record<string, unknown>)[key];
      if (value === null || value === undefined) return [];
      if (Array.isArray(value)) return value.map((v) => repeatItemText(v, call));
      if (isMap(value) && version.repeatOverMaps && nested) return Object.keys(value);
      return call.fail(`the values of the "for_each" argument to "repeat" must be lists${version.repeatOverMaps && nested ? ' or maps' : ''}; ${key} is ${show(value)}`);
    });
    if (!nested && new Set(lists.map((l) => l.length)).size > 1) {
      call.fail('with "permutations: false" the "for_each" lists of "repeat" must have the same length');
    }
    const rows = nested ? cartesian(lists) : (lists[0] ?? []).map((_, i) => lists.map((l) => l[i]));
    if (keys.length === 0) return [];
    return rows.map((row) => substitute(template, keys.map((k, i) => [k, row[i] as string] as const)));
  },
};

function mapsOf(value: unknown, call: CallContext, what: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) call.fail(`arguments to "${call.name}" must be a list of maps, not ${show(value)}`);
  return (value as unknown[]).map((m) => {
    if (m === null || m === undefined) return {};
    if (!isMap(m)) return call.fail(`${what} must be maps; ${show(m)} is not`);
    return m;
  });
}

export const mapMerge: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    if (shape !== 'list' && shape !== 'call') call.fail('arguments to "map_merge" must be a list of maps: [{"key1": "val1"}, {"key2": "val2"}]');
  },
  apply(args, call) {
    return Object.assign({}, ...mapsOf(args, call, 'items to merge'));
  },
};

export const mapReplace: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    const example = '[{"key1": "val1"}, {"keys": {"key1": "key2"}, "values": {"val1": "val2"}}]';
    if (shape !== 'list' && shape !== 'call') call.fail(`arguments to "map_replace" must be a list: ${example}`);
    if (shape === 'list' && itemsOf(args).length !== 2) call.fail(`arguments to "map_replace" must be two maps: ${example}`);
  },
  apply(args, call) {
    const maps = mapsOf(args, call, 'arguments to "map_replace"');
    if (maps.length !== 2) call.fail('arguments to "map_replace" must be two maps: the input and {keys, values}');
    const [input, replacements] = maps as [Record<string, unknown>, Record<string, unknown>];
    for (const key of Object.keys(replacements)) {
      if (key !== 'keys' && key !== 'values') call.fail(`the second argument to "map_replace" may only have "keys" and "values", not "${key}"`);
    }
    const [keys, values] = mapsOf([replacements.keys, replacements.values], call, '"keys" and "values" of "map_replace"') as [Record<string, unknown>, Record<string, unknown>];
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      const replaced = Object.hasOwn(keys, key) && keys[key] !== null ? String(keys[key]) : key;
      if (replaced !== key && Object.hasOwn(input, replaced)) call.fail(`key replacement ${replaced} collides with a key in the input map`);
      if (Object.hasOwn(out, replaced)) call.fail(`key replacement ${replaced} collides with a key in the output map`);
      const lookup = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
      out[replaced] = lookup !== undefined && Object.hasOwn(values, lookup) ? values[lookup] : value;
    }
    return out;
  },
};

function listConcat(unique: boolean): TemplateFunction {
  return {
    check(args, call) {
      const shape = shapeOf(args);
      if (shape !== 'list' && shape !== 'call') call.fail(`arguments to "${call.name}" must be a list of lists: [[<value 1>, <value 2>], [<value 3>]]`);
    },
    apply(args, call) {
      if (!Array.isArray(args)) call.fail(`arguments to "${call.name}" must be a list of lists, not ${show(args)}`);
      const out: unknown[] = [];
      for (const list of args as unknown[]) {
        if (list === null || list === undefined) continue;
        if (!Array.isArray(list)) call.fail(`items to concatenate must be lists; ${pythonJson(list)} is not`);
        for (const item of list as unknown[]) {
          if (!unique || !out.some((seen) => deepEqual(seen, item))) out.push(item);
        }
      }
      return out;
    },
  };
}

export const listConcatAll = listConcat(false);
export const listConcatUnique = listConcat(true);

export const filter: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    if (shape !== 'list' && shape !== 'call') call.fail('argument to "filter" must be a list: [values, list]');
    if (shape === 'list' && itemsOf(args).length !== 2) call.fail(`"filter" expects 2 arguments, [values, list], but got ${itemsOf(args).length}`);
  },
  apply(args, call) {
    const [values, list] = args as unknown[];
    if (list === null || list === undefined || (Array.isArray(list) && list.length === 0)) return list;
    if (!Array.isArray(list)) call.fail(`"filter" works on lists, not ${show(list)}`);
    if (values === null || values === undefined || (Array.isArray(values) && values.length === 0)) return list;
    if (!Array.isArray(values)) call.fail(`"filter" takes a list of values to remove, not ${show(values)}`);
    return (list as unknown[]).filter((item) => !(values as unknown[]).some((v) => deepEqual(v, item)));
  },
};

export const contains: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    if (shape !== 'list') call.fail('arguments to "contains" must be a list: ["value1", ["value1", "value2"]]');
    if (itemsOf(args).length !== 2) call.fail('arguments to "contains" must be of the form [value, [value1, value2]]');
  },
  apply(args, call) {
    const [value, sequence] = args as unknown[];
    if (typeof sequence === 'string') return typeof value === 'string' && sequence.includes(value);
    if (!Array.isArray(sequence)) call.fail(`second argument to "contains" must be a list, not ${show(sequence)}`);
    return (sequence as unknown[]).some((item) => deepEqual(item, value));
  },
};
