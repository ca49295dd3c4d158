/**
 * The HOT versions Heat knows, 2013-05-23 (Icehouse) to 2021-04-16 (Wallaby), and what
 * each allows: its intrinsic functions, its condition functions, its sections and keys.
 * A template may name its version by date or, from Newton on, by release name.
 */

/** One `heat_template_version`. `features` are the behaviour switches that changed over time. */
export interface TemplateVersion {
  /** The date form, e.g. '2016-10-14'. */
  readonly id: string;
  /** The release name accepted in place of the date, if any ('newton'). */
  readonly alias?: string;
  /** Intrinsic functions usable in resources and outputs. */
  readonly functions: ReadonlySet<string>;
  /** Functions usable in the `conditions` section and in condition expressions. */
  readonly conditionFunctions: ReadonlySet<string>;
  /** The `conditions` section, resource/output `condition` and resource `external_id`. */
  readonly hasConditions: boolean;
  /** `get_attr: [name]` returns every attribute (2015-10-15). */
  readonly getAttrAll: boolean;
  /** `list_join` takes several lists and serialises maps and lists as JSON (2015-10-15). */
  readonly listJoinMultiple: boolean;
  /** `str_replace` serialises map and list params as JSON (2015-10-15). */
  readonly strReplaceJson: boolean;
  /** `repeat` iterates over map keys too (2016-10-14). */
  readonly repeatOverMaps: boolean;
  /** `repeat` takes `permutations: false` (2017-09-01). */
  readonly repeatPermutations: boolean;
  /** `if` may omit its false value, which removes the enclosing item (2021-04-16). */
  readonly ifNullable: boolean;
  /** Lower-case deletion policies (`delete`, `retain`, `snapshot`) (2016-10-14). */
  readonly lowerCaseDeletionPolicies: boolean;
  /** The `modulo` parameter constraint (2017-02-24). */
  readonly moduloConstraint: boolean;
  /** The `tags` parameter key (2018-03-02). */
  readonly parameterTags: boolean;
}

const BASE = ['get_attr', 'get_file', 'get_param', 'get_resource', 'list_join', 'resource_facade', 'str_replace'];
const ADDED: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['2013-05-23', BASE],
  ['2014-10-16', []],
  ['2015-04-30', ['digest', 'repeat']],
  ['2015-10-15', ['str_split']],
  ['2016-04-08', ['map_merge']],
  ['2016-10-14', ['yaql', 'map_replace', 'if']],
  ['2017-02-24', ['filter', 'str_replace_strict']],
  ['2017-09-01', ['make_url', 'list_concat', 'str_replace_vstrict', 'list_concat_unique', 'contains']],
  ['2018-03-02', []],
  ['2018-08-31', []],
  ['2021-04-16', []],
];
const ALIASES: Readonly<Record<string, string>> = {
  '2016-10-14': 'newton', '2017-02-24': 'ocata', '2017-09-01': 'pike',
  '2018-03-02': 'queens', '2018-08-31': 'rocky', '2021-04-16': 'wallaby',
};
const CONDITION_FUNCTIONS_2016 = ['get_param', 'equals', 'not', 'and', 'or'];
const CONDITION_FUNCTIONS_2017 = [...CONDITION_FUNCTIONS_2016, 'yaql', 'contains'];

/**
 * CloudFormation functions that HOT 2013-05-23 accepted and later versions removed. We
 * never accept them: they name their HOT replacement in the error instead.
 */
export const CFN_FUNCTIONS: Readonly<Record<string, string>> = {
  'Fn::GetAZs': 'no HOT equivalent', 'Fn::Join': 'list_join', 'Fn::Split': 'str_split',
  'Fn::Replace': 'str_replace', 'Fn::Base64': 'no HOT equivalent', 'Fn::MemberListToMap': 'no HOT equivalent',
  'Fn::ResourceFacade': 'resource_facade', 'Fn::Select': 'get_attr or str_split with an index', Ref: 'get_resource or get_param',
};

/** The version each function first appeared in. */
export const FUNCTION_INTRODUCED: ReadonlyMap<string, string> = new Map(
  ADDED.flatMap(([version, names]) => names.map((name) => [name, version] as const)),
);

/** Functions that exist only inside conditions. */
export const CONDITION_ONLY_FUNCTIONS: ReadonlySet<string> = new Set(['equals', 'not', 'and', 'or']);

function build(): Map<string, TemplateVersion> {
  const versions = new Map<string, TemplateVersion>();
  const names: string[] = [];
  for (const [id, added] of ADDED) {
    names.push(...added);
    const atLeast = (v: string) => id >= v;
    const alias = ALIASES[id];
    const version: TemplateVersion = {
      id,
      ...(alias === undefined ? {} : { alias }),
      functions: new Set(names),
      conditionFunctions: new Set(atLeast('2017-09-01') ? CONDITION_FUNCTIONS_2017 : atLeast('2016-10-14') ? CONDITION_FUNCTIONS_2016 : []),
      hasConditions: atLeast('2016-10-14'),
      getAttrAll: atLeast('2015-10-15'),
      listJoinMultiple: atLeast('2015-10-15'),
      strReplaceJson: atLeast('2015-10-15'),
      repeatOverMaps: atLeast('2016-10-14'),
      repeatPermutations: atLeast('2017-09-01'),
      ifNullable: atLeast('2021-04-16'),
      lowerCaseDeletionPolicies: atLeast('2016-10-14'),
      moduloConstraint: atLeast('2017-02-24'),
      parameterTags: atLeast('2018-03-02'),
    };
    versions.set(id, version);
    if (alias !== undefined) versions.set(alias, version);
  }
  return versions;
}

const VERSIONS = build();

/** Every version's date form, oldest first. */
export const VERSION_IDS: readonly string[] = ADDED.map(([id]) => id);

/** The version for a date or release name, or undefined when Heat has no such version. */
export function templateVersion(name: string): TemplateVersion | undefined {
  return VERSIONS.get(name);
}
