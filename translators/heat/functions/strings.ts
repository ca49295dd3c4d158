/**
 * String functions: `str_replace` (and its `_strict` and `_vstrict` forms), `list_join`,
 * `str_split`, `digest`.
 */
import { createHash, getHashes } from 'node:crypto';
import { isMap, itemsOf, keysOf, pythonJson, shapeOf, show, type CallContext, type TemplateFunction } from './function.js';

type Strictness = 'plain' | 'strict' | 'vstrict';

function replacementText(value: unknown, param: string, strictness: Strictness, call: CallContext): string {
  const empty = (): never => call.fail(`param ${param} has an undefined or empty value; "${call.name}" needs a defined, non-empty value`);
  if (value === null || value === undefined) return strictness === 'vstrict' ? empty() : '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const text = typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);
    if (strictness === 'vstrict' && text === '') empty();
    return text;
  }
  if (!call.runtime.version.strReplaceJson) call.fail(`"${call.name}" params must be strings or numbers; param ${param} is not`);
  if (Array.isArray(value) || isMap(value)) {
    if (strictness === 'vstrict' && (Array.isArray(value) ? value.length : Object.keys(value).length) === 0) empty();
    return pythonJson(value);
  }
  return call.fail(`"${call.name}" params must be strings, numbers, lists or maps; param ${param} is not`);
}

function strReplace(strictness: Strictness): TemplateFunction {
  return {
    check(args, call) {
      const shape = shapeOf(args);
      if (shape === 'call') return;
      const keys = keysOf(args);
      if (shape !== 'map' || !keys.includes('template') || !keys.includes('params')) {
        call.fail(`arguments to "${call.name}" must be a map with "template" (a string) and "params" (a map of placeholder: value)`);
      }
    },
    apply(args, call) {
      if (!isMap(args) || !('template' in args) || !('params' in args)) {
        call.fail(`arguments to "${call.name}" must be a map with "template" and "params"`);
      }
      const { template, params } = args as Record<string, unknown>;
      if (typeof template !== 'string') call.fail(`"${call.name}" template must be a string, not ${show(template)}`);
      if (!isMap(params)) call.fail(`"${call.name}" params must be a map, not ${show(params)}`);
      const mapping = params as Record<string, unknown>;
      // Longer placeholders first; among equals, the lexically smaller first (Heat's order).
      const keys = Object.keys(mapping).sort().sort((a, b) => b.length - a.length);
      const unused = new Set(keys);
      const replace = (text: string, remaining: readonly string[]): string => {
        if (remaining.length === 0) return text;
        const [key, ...rest] = remaining as [string, ...string[]];
        const parts = text.split(key);
        if (parts.length > 1) unused.delete(key);
        const value = replacementText(mapping[key], key, strictness, call);
        return parts.map((part) => replace(part, rest)).join(value);
      };
      const result = replace(template as string, keys);
      if (strictness !== 'plain' && unused.size > 0) {
        call.fail(`these params were not found in the template: ${[...unused].join(',')}`);
      }
      return result;
    },
  };
}

export const strReplacePlain = strReplace('plain');
export const strReplaceStrict = strReplace('strict');
export const strReplaceVeryStrict = strReplace('vstrict');

export const listJoin: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    const multiple = call.version.listJoinMultiple;
    const example = multiple ? '[" ", ["str1", "str2"], ...]' : '[" ", ["str1", "str2"]]';
    if (shape !== 'list') call.fail(`arguments to "list_join" must be a list: ${example}`);
    const n = itemsOf(args).length;
    if (multiple ? n < 2 : n !== 2) call.fail(`arguments to "list_join" must be of the form ${example}`);
  },
  apply(args, call) {
    const [delim, ...lists] = args as unknown[];
    if (typeof delim !== 'string') call.fail(`"list_join" delimiter must be a string, not ${show(delim)}`);
    const multiple = call.runtime.version.listJoinMultiple;
    const strings: unknown[] = [];
    for (const list of lists) {
      if (list === null || list === undefined) continue;
      if (!Array.isArray(list)) call.fail(`"list_join" must operate on lists, not ${show(list)}`);
      strings.push(...(list as unknown[]));
    }
    return strings.map((item) => {
      if (item === null || item === undefined) return '';
      if (typeof item === 'string') return item;
      if (multiple && (Array.isArray(item) || isMap(item))) return pythonJson(item);
      return call.fail(`items to join must be strings${multiple ? ', maps or lists' : ''}, not ${show(item)}`);
    }).join(delim as string);
  },
};

export const strSplit: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    if (shape !== 'list' && shape !== 'call') call.fail('arguments to "str_split" must be a list: [",", "apples,pears", <index>]');
  },
  apply(args, call) {
    const list = args as unknown[];
    if (!Array.isArray(list) || list.length < 2 || list.length > 3) call.fail('arguments to "str_split" must be [delimiter, string] or [delimiter, string, index]');
    const [delim, text, index] = list;
    if (text === null || text === undefined) return null;
    if (typeof delim !== 'string' || delim === '') call.fail(`"str_split" delimiter must be a non-empty string, not ${show(delim)}`);
    if (typeof text !== 'string') call.fail(`"str_split" splits a string, not ${show(text)}`);
    const parts = (text as string).split(delim as string);
    if (list.length < 3) return parts;
    const i = typeof index === 'number' ? index : typeof index === 'string' && /^-?\d+$/.test(index.trim()) ? Number(index) : NaN;
    if (!Number.isInteger(i)) call.fail(`index to "str_split" must be an integer, not ${show(index)}`);
    const at = i < 0 ? parts.length + i : i;
    if (at < 0 || at >= parts.length) call.fail(`index ${i} to "str_split" is out of range: it must be between 0 and ${parts.length - 1}`);
    return parts[at];
  },
};

export const digest: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    if (shape !== 'list' && shape !== 'call') call.fail('argument to "digest" must be a list of strings: ["<algorithm>", "<value>"]');
    if (shape === 'list' && itemsOf(args).length !== 2) call.fail('"digest" takes two arguments: ["<algorithm>", "<value>"]');
  },
  apply(args, call) {
    const list = args as unknown[];
    if (!Array.isArray(list) || !list.every((a) => typeof a === 'string')) call.fail('argument to "digest" must be a list of strings');
    if (list.length !== 2) call.fail('"digest" takes two arguments: ["<algorithm>", "<value>"]');
    const algorithm = (list[0] as string).toLowerCase();
    if (!getHashes().includes(algorithm)) call.fail(`digest algorithm "${list[0] as string}" is not available; use md5, sha1, sha224, sha256, sha384 or sha512`);
    // Heat hashes the value's latin-1 bytes.
    return createHash(algorithm).update(Buffer.from(list[1] as string, 'latin1')).digest('hex');
  },
};
