/**
 * The implementations behind each function name. Which names a template may use is
 * decided by its version (template-versions.ts); version-dependent behaviour (get_attr's
 * one-argument form, list_join of several lists, JSON in str_replace, repeat over maps)
 * is read from the version inside each function.
 */
import { contains, filter, listConcatAll, listConcatUnique, mapMerge, mapReplace, repeat } from './collections.js';
import type { TemplateFunction } from './function.js';
import { makeUrl } from './make-url.js';
import { getAttr, getFile, getParam, getResource, resourceFacade } from './references.js';
import { digest, listJoin, strReplacePlain, strReplaceStrict, strReplaceVeryStrict, strSplit } from './strings.js';

/** Function implementations by name; `if` (a macro) and yaql (refused) are handled by the compiler. */
export const FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  get_param: getParam,
  get_resource: getResource,
  get_attr: getAttr,
  get_file: getFile,
  resource_facade: resourceFacade,
  str_replace: strReplacePlain,
  str_replace_strict: strReplaceStrict,
  str_replace_vstrict: strReplaceVeryStrict,
  list_join: listJoin,
  str_split: strSplit,
  digest,
  repeat,
  map_merge: mapMerge,
  map_replace: mapReplace,
  list_concat: listConcatAll,
  list_concat_unique: listConcatUnique,
  filter,
  contains,
  make_url: makeUrl,
};
