/**
 * Template errors: every problem found in a template, an environment or a parameter value
 * names where it is. For YAML text that is the file and line; for a template that arrived
 * already parsed (heatclient sends JSON) it is the path only.
 */
import { InvalidArgumentError, QuotaExceededError } from '../../engine/errors.js';
import { formatPath, type Path } from './template-path.js';

/** Where a node of a YAML document starts (1-based line and column). */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Finds the source position of a path; a document parsed from an object has none. */
export interface Locator {
  /** The file name errors should show, if any. */
  readonly file?: string;
  /** The position of the node at `path`, or undefined when unknown. */
  positionOf(path: Path): SourcePosition | undefined;
}

/** A locator that knows no positions (templates given as objects). */
export const NO_POSITIONS: Locator = { positionOf: () => undefined };

/** A template, environment or parameter is wrong; `path` and `line` say where. */
export class TemplateError extends InvalidArgumentError {
  /** The reason alone, without the location prefix. */
  readonly reason: string;
  /** The dotted path of the offending node ('' for the document itself). */
  readonly path: string;
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(reason: string, path: string, where?: { file?: string; line?: number }) {
    const prefix = where?.file !== undefined && where.line !== undefined
      ? `${where.file}:${where.line}: `
      : where?.line !== undefined ? `line ${where.line}: ` : '';
    super(`${prefix}${path === '' ? '' : `${path}: `}${reason}`);
    this.reason = reason;
    this.path = path;
    this.file = where?.file;
    this.line = where?.line;
  }
}

/** A template exceeds a configured limit (size, resource count, nesting depth). */
export class TemplateLimitError extends QuotaExceededError {}

/**
 * Builds the error for `path`. The line is that of the deepest node on the path the
 * locator knows (an error inside a function's arguments points at the function).
 */
export function templateError(locator: Locator | undefined, path: Path, reason: string): TemplateError {
  let position: SourcePosition | undefined;
  for (let n = path.length; n >= 0 && position === undefined; n--) {
    position = locator?.positionOf(path.slice(0, n));
  }
  const where: { file?: string; line?: number } = {};
  if (position !== undefined) {
    where.line = position.line;
    if (locator?.file !== undefined) where.file = locator.file;
  }
  return new TemplateError(reason, formatPath(path), where);
}
