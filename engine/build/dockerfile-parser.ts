/**
 * Dockerfile text to instructions. This step only splits the file: parser directives at
 * the top (`# escape=`, `# syntax=`), comments, line continuations with the escape
 * character, and each instruction's keyword, flags (`--from=builder`) and argument text.
 * Variable substitution and the meaning of each instruction come later (build-plan.ts),
 * because they depend on ARG and ENV values known only while building.
 */
import { InvalidArgumentError } from '../errors.js';

/** The instructions a build understands. */
export const knownInstructions = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME',
  'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

/** One instruction as written. */
export interface Instruction {
  /** 1-based line the instruction starts on (for errors). */
  line: number;
  /** Upper-case keyword: RUN, COPY, ... */
  keyword: string;
  /** `--name=value` flags before the arguments (COPY, ADD, FROM, HEALTHCHECK). */
  flags: Record<string, string>;
  /** The arguments with continuations joined, flags removed, not yet substituted. */
  args: string;
  /** The whole instruction on one line, as Docker prints it in `Step N/M :`. */
  text: string;
}

/** A parsed Dockerfile. */
export interface ParsedDockerfile {
  escape: string;
  instructions: Instruction[];
  /** Notes for the user (an ignored `# syntax=` directive). */
  notes: string[];
}

/** The error for a Dockerfile line; every build error about the file goes through here. */
export function lineError(line: number, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`Dockerfile line ${line}: ${message}`);
}

const flagged = new Set(['FROM', 'COPY', 'ADD', 'HEALTHCHECK', 'RUN']);

/** Parses Dockerfile text; throws InvalidArgumentError naming the line for malformed input. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let escape = '\\';
  const notes: string[] = [];
  let index = 0;
  // Directives: `# key=value` lines before any other line; the first other line ends them.
  const seen = new Set<string>();
  for (; index < lines.length; index++) {
    const m = /^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/.exec(lines[index]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (key !== 'escape' && key !== 'syntax') break;
    if (seen.has(key)) throw lineError(index + 1, `parser directive '${key}' given twice`);
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw lineError(index + 1, `invalid escape character '${m[2]}': it must be \\ or \``);
      escape = m[2]!;
    } else {
      notes.push(`note: '# syntax=${m[2]}' is ignored; this builder has its own Dockerfile frontend`);
    }
  }

  const instructions: Instruction[] = [];
  let pending: { line: number; parts: string[] } | undefined;
  for (; index < lines.length; index++) {
    const raw = lines[index]!;
    const trimmed = raw.trim();
    // Comments and blank lines are dropped, also between continued lines, as Docker does.
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) continue;
    if (trimmed === '' && pending) continue;
    const continued = endsWithEscape(raw, escape);
    const body = continued ? raw.replace(/\s+$/, '').slice(0, -1) : raw;
    if (pending) pending.parts.push(body);
    else pending = { line: index + 1, parts: [body] };
    if (continued) continue;
    instructions.push(splitInstruction(pending.line, pending.parts.join('')));
    pending = undefined;
  }
  if (pending) instructions.push(splitInstruction(pending.line, pending.parts.join('')));
  if (instructions.length === 0) throw new InvalidArgumentError('the Dockerfile has no instructions');
  const first = instructions.find((i) => i.keyword !== 'ARG');
  if (!first || first.keyword !== 'FROM') throw lineError(first?.line ?? instructions[0]!.line, 'the first instruction must be FROM (only ARG may come before it)');
  return { escape, instructions, notes };
}

function endsWithEscape(raw: string, escape: string): boolean {
  const t = raw.replace(/\s+$/, '');
  return t.endsWith(escape);
}

/** Splits `KEYWORD [--flag=v ...] args` into an instruction. */
export function splitInstruction(line: number, joined: string): Instruction {
  const m = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(joined);
  if (!m) throw lineError(line, 'empty instruction');
  const keyword = m[1]!.toUpperCase();
  if (!knownInstructions.has(keyword)) throw lineError(line, `unknown instruction: ${m[1]}`);
  let rest = m[2]!;
  const flags: Record<string, string> = {};
  if (flagged.has(keyword)) {
    for (let f = /^--([a-z][a-z-]*)(?:=(\S*))?\s*/.exec(rest); f; f = /^--([a-z][a-z-]*)(?:=(\S*))?\s*/.exec(rest)) {
      flags[f[1]!] = f[2] ?? 'true';
      rest = rest.slice(f[0].length);
    }
  }
  const allowed: Record<string, string[]> = { FROM: ['platform'], COPY: ['from', 'chown', 'chmod', 'link'], ADD: ['chown', 'chmod', 'link', 'checksum'], HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'], RUN: [] };
  for (const name of Object.keys(flags)) {
    if (!(allowed[keyword] ?? []).includes(name)) throw lineError(line, `${keyword} does not take the flag --${name}`);
  }
  if (rest === '' && keyword !== 'RUN') throw lineError(line, `${keyword} needs arguments`);
  if (rest === '') throw lineError(line, 'RUN needs a command');
  return { line, keyword, flags, args: rest, text: `${keyword} ${joined.trim().slice(m[1]!.length).trim()}` };
}

/** JSON (exec) form: a JSON array of strings, or undefined when the text is not one. */
export function jsonForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'string')) return parsed as string[];
  } catch {
    // Docker treats a malformed JSON array as shell form.
  }
  return undefined;
}
