/**
 * Dockerfile variable substitution: `$VAR`, `${VAR}`, `${VAR:-default}` and
 * `${VAR:+alternative}`, not inside single quotes, `\$` (the escape character) for a
 * literal dollar. Quotes and escapes are kept in the output, so an instruction parsed
 * afterwards (ENV, LABEL through config-changes; COPY through splitWords) still sees its
 * words as written. Docker substitutes only in some instructions; build-plan.ts decides.
 */
import { InvalidArgumentError } from '../errors.js';

/** Looks a variable up; undefined when it is not set. */
export type VariableLookup = (name: string) => string | undefined;

/** Substitutes variables in `text`; `used` collects the names looked up. */
export function expandVariables(text: string, lookup: VariableLookup, escape = '\\', used?: Set<string>): string {
  let out = '';
  let single = false;
  let double = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escape && i + 1 < text.length && !single) {
      out += c + text[++i]!;
      continue;
    }
    if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
    if (c !== '$' || single) {
      out += c;
      continue;
    }
    const rest = text.slice(i + 1);
    const simple = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (simple) {
      used?.add(simple[0]);
      out += lookup(simple[0]) ?? '';
      i += simple[0].length;
      continue;
    }
    if (rest.startsWith('{')) {
      const close = matchingBrace(rest);
      if (close < 0) throw new InvalidArgumentError(`missing '}' in '${text}'`);
      const inner = rest.slice(1, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([\s\S]*))?$/.exec(inner);
      if (!m) throw new InvalidArgumentError(`bad substitution '\${${inner}}': only \${VAR}, \${VAR:-default} and \${VAR:+alternative} are supported`);
      used?.add(m[1]!);
      const value = lookup(m[1]!);
      if (m[2] === '-') out += value !== undefined && value !== '' ? value : expandVariables(m[3]!, lookup, escape, used);
      else if (m[2] === '+') out += value !== undefined && value !== '' ? expandVariables(m[3]!, lookup, escape, used) : '';
      else out += value ?? '';
      i += close + 1;
      continue;
    }
    out += c;
  }
  return out;
}

function matchingBrace(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Splits on whitespace, removing quotes and escapes (after substitution). */
export function splitWords(text: string, escape = '\\'): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === escape && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === escape && i + 1 < text.length) {
      current += text[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote) throw new InvalidArgumentError(`unterminated quote in '${text}'`);
  if (started) out.push(current);
  return out;
}

/** The value of NAME in a `NAME=value` environment list. */
export function envLookup(env: readonly string[]): VariableLookup {
  const map = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf('=');
    if (eq > 0) map.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return (name) => map.get(name);
}
