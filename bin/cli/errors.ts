/** How the CLI prints an error: one line, the engine's message, no stack for expected errors. */
import { isIntermodalError } from '../../engine/errors.js';

/** The line to print for `err`. */
export function errorLine(err: unknown): string {
  if (isIntermodalError(err)) return `Error: ${err.message}\n`;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && e.code.startsWith('E') && e.message) return `Error: ${e.message}\n`;
  if (e && e.name === 'TypeError' && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return `Error: ${e.message}\n`;
  return `Error: ${e instanceof Error ? (e.stack ?? e.message) : String(err)}\n`;
}
