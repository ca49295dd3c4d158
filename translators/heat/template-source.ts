/**
 * Loading a template or environment document: YAML text (js-yaml's safe default schema,
 * no custom tags, no code) or an object already parsed by the client. Either way the
 * result is a plain mapping plus a locator for error positions.
 */
import { load, YAMLException } from 'js-yaml';
import { DEFAULT_LIMITS, type HeatLimits } from './limits.js';
import { NO_POSITIONS, TemplateError, TemplateLimitError, type Locator } from './template-error.js';
import { yamlLocator } from './yaml-positions.js';

/** A loaded document: its top-level mapping and where its nodes were written. */
export interface SourceDocument {
  readonly document: Readonly<Record<string, unknown>>;
  readonly locator: Locator;
  /** Size in bytes of the text (or of the object's JSON form). */
  readonly bytes: number;
}

/** Options for {@link loadDocument}. */
export interface LoadDocumentOptions {
  /** Name shown in errors (`T.yaml:12: ...`). */
  readonly filename?: string;
  readonly limits?: Partial<HeatLimits>;
  /** What the document is, for messages: 'template' or 'environment'. */
  readonly what?: string;
}

/** True for a plain mapping (not a list, not null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Loads YAML text or takes a parsed object. Refuses a document over the size limit, YAML
 * that does not parse (with its line), and a document that is not a mapping.
 */
export function loadDocument(input: string | object, options: LoadDocumentOptions = {}): SourceDocument {
  const what = options.what ?? 'template';
  const maxBytes = options.limits?.maxTemplateBytes ?? DEFAULT_LIMITS.maxTemplateBytes;
  const text = typeof input === 'string' ? input : undefined;
  const bytes = text !== undefined ? Buffer.byteLength(text, 'utf8') : Buffer.byteLength(JSON.stringify(input) ?? '', 'utf8');
  if (bytes > maxBytes) {
    throw new TemplateLimitError(`${what} is ${bytes} bytes, more than the limit of ${maxBytes} bytes`);
  }
  if (text === undefined) {
    if (!isMapping(input)) throw new TemplateError(`${what} must be a mapping`, '');
    return { document: input, locator: NO_POSITIONS, bytes };
  }
  let value: unknown;
  try {
    // An empty document (blank or only comments) is an empty mapping, not an error.
    value = /^\s*(#[^\n]*\s*)*$/.test(text) ? {} : load(text, options.filename === undefined ? {} : { filename: options.filename });
  } catch (err) {
    if (err instanceof YAMLException) {
      const where: { file?: string; line?: number } = {};
      if (err.mark !== undefined) where.line = err.mark.line + 1;
      if (options.filename !== undefined) where.file = options.filename;
      throw new TemplateError(`${what} is not valid YAML: ${err.reason}`, '', where);
    }
    throw err;
  }
  if (value === null || value === undefined) value = {};
  if (!isMapping(value)) {
    throw new TemplateError(`${what} must be a mapping, not ${Array.isArray(value) ? 'a list' : `the ${typeof value} ${JSON.stringify(value)}`}`, '',
      options.filename === undefined ? { line: 1 } : { file: options.filename, line: 1 });
  }
  return { document: value, locator: yamlLocator(text, options.filename), bytes };
}
