/**
 * Reading a HOT template: its version, its sections, its parameters. Nothing is
 * evaluated here; `compileStack` does that with parameter values.
 */
import { checkParameterGroups, parseParameterSchemas, type ParameterSchema } from './parameters/parameter-schema.js';
import { checkDefaults } from './parameters/parameter-values.js';
import type { HeatLimits } from './limits.js';
import { templateError } from './template-error.js';
import { isMapping, loadDocument, type SourceDocument } from './template-source.js';
import { templateVersion, VERSION_IDS, type TemplateVersion } from './template-versions.js';

/** A template that has been read and checked, not yet compiled. */
export interface HotTemplate {
  readonly source: SourceDocument;
  readonly version: TemplateVersion;
  readonly description: string;
  readonly parameters: ReadonlyMap<string, ParameterSchema>;
  /** `parameter_groups` as written (checked against the parameters). */
  readonly parameterGroups: readonly unknown[];
}

/** Options of {@link parseTemplate}. */
export interface ParseTemplateOptions {
  /** File name shown in errors (`T.yaml:12: ...`). */
  readonly filename?: string;
  readonly limits?: Partial<HeatLimits>;
}

const SECTIONS = ['heat_template_version', 'description', 'parameter_groups', 'parameters', 'resources', 'outputs'];

/**
 * Reads YAML text or a parsed object. Refuses: a document too large, YAML that does not
 * parse, a missing or unknown version, unknown sections, sections of the wrong shape,
 * bad parameter definitions and defaults that break their own constraints.
 */
export function parseTemplate(input: string | object, options: ParseTemplateOptions = {}): HotTemplate {
  const source = loadDocument(input, options);
  const { document, locator } = source;
  const fail = (path: readonly (string | number)[], reason: string): never => { throw templateError(locator, path, reason); };
  if ('AWSTemplateFormatVersion' in document || 'HeatTemplateFormatVersion' in document) {
    fail([], 'CloudFormation-format templates are not supported; write the template in HOT (heat_template_version)');
  }
  const declared = document.heat_template_version;
  if (declared === undefined || declared === null) fail([], 'the template has no heat_template_version');
  const version = templateVersion(String(declared));
  if (version === undefined) {
    fail(['heat_template_version'], `"${String(declared)}" is not a known heat_template_version: use one of ${VERSION_IDS.join(', ')} or a release name (newton ... wallaby)`);
  }
  const v = version!;
  const allowed = v.hasConditions ? [...SECTIONS, 'conditions'] : SECTIONS;
  for (const key of Object.keys(document)) {
    if (key === 'conditions' && !v.hasConditions) fail([key], `the conditions section needs heat_template_version 2016-10-14 or later (this template is ${v.id})`);
    if (!allowed.includes(key)) fail([key], `"${key}" is not a valid template section (allowed: ${allowed.join(', ')})`);
  }
  for (const key of ['resources', 'outputs', 'conditions']) {
    const value = document[key];
    if (value !== undefined && value !== null && !isMapping(value)) fail([key], `the ${key} section must be a mapping`);
  }
  const description = document.description ?? '';
  if (typeof description !== 'string') fail(['description'], 'description must be a string');
  const parameters = parseParameterSchemas(document.parameters, v, locator);
  checkParameterGroups(document.parameter_groups, parameters, locator);
  checkDefaults(parameters, locator);
  return {
    source, version: v, description: description as string, parameters,
    parameterGroups: (document.parameter_groups as unknown[] | undefined) ?? [],
  };
}
