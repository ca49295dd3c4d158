/**
 * Dockerfile-style changes to an image config, as `docker import --change` and `docker
 * commit --change` take them: CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME,
 * STOPSIGNAL. Parsed before anything is stored, so a bad change changes nothing.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ContainerConfig } from './image-config.js';

/** Applies every change in order to a copy of `base`. */
export function applyConfigChanges(base: ContainerConfig, changes: string[]): ContainerConfig {
  const config: ContainerConfig = structuredClone(base);
  for (const change of changes) applyOne(config, change);
  return config;
}

function applyOne(config: ContainerConfig, change: string): void {
  const match = /^\s*([A-Za-z]+)\s+([\s\S]*?)\s*$/.exec(change);
  if (!match) throw new InvalidArgumentError(`invalid change '${change}': expected 'INSTRUCTION arguments'`);
  const instruction = match[1]!.toUpperCase();
  const args = match[2]!;
  switch (instruction) {
    case 'CMD':
      config.Cmd = commandForm(args);
      break;
    case 'ENTRYPOINT':
      config.Entrypoint = commandForm(args);
      break;
    case 'ENV':
      for (const [key, value] of keyValues(args, 'ENV', true)) {
        config.Env = (config.Env ?? []).filter((e) => e.split('=')[0] !== key).concat(`${key}=${value}`);
      }
      break;
    case 'LABEL':
      for (const [key, value] of keyValues(args, 'LABEL', false)) (config.Labels ??= {})[key] = value;
      break;
    case 'WORKDIR':
      config.WorkingDir = args.startsWith('/') ? args : `${config.WorkingDir ?? '/'}/${args}`.replace(/\/+/g, '/');
      break;
    case 'USER':
      if (!/^[^\s:]+(:[^\s:]+)?$/.test(args)) throw new InvalidArgumentError(`invalid USER '${args}'`);
      config.User = args;
      break;
    case 'EXPOSE':
      for (const port of words(args)) {
        const p = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(port);
        if (!p || Number(p[1]) > 65535 || Number(p[1]) === 0) throw new InvalidArgumentError(`invalid EXPOSE port '${port}'`);
        (config.ExposedPorts ??= {})[`${Number(p[1])}/${(p[2] ?? 'tcp').toLowerCase()}`] = {};
      }
      break;
    case 'VOLUME':
      for (const volume of args.startsWith('[') ? jsonStrings(args, 'VOLUME') : words(args)) {
        if (!volume.startsWith('/')) throw new InvalidArgumentError(`VOLUME '${volume}' must be an absolute path`);
        (config.Volumes ??= {})[volume] = {};
      }
      break;
    case 'STOPSIGNAL':
      if (!/^(SIG[A-Z0-9]+|[0-9]+)$/.test(args)) throw new InvalidArgumentError(`invalid STOPSIGNAL '${args}'`);
      config.StopSignal = args;
      break;
    default:
      throw new InvalidArgumentError(`${instruction} is not a supported change (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)`);
  }
}

/** JSON (exec) form when it parses as a string array, else shell form under /bin/sh -c. */
function commandForm(args: string): string[] {
  if (args.startsWith('[')) {
    try {
      return jsonStrings(args, 'command');
    } catch {
      // Docker treats a malformed JSON array as shell form, and so do we.
    }
  }
  return ['/bin/sh', '-c', args];
}

function jsonStrings(args: string, what: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) throw new InvalidArgumentError(`${what} must be a JSON array of strings`);
  return parsed as string[];
}

/** `K=V K2="v 2"`, or the legacy single `K V` form when `legacy` allows it. */
function keyValues(args: string, what: string, legacy: boolean): [string, string][] {
  const parts = words(args);
  if (parts.length === 0) throw new InvalidArgumentError(`${what} needs at least one key=value`);
  if (!parts[0]!.includes('=')) {
    if (!legacy || parts.length < 2) throw new InvalidArgumentError(`${what} '${args}': expected key=value`);
    return [[parts[0]!, args.slice(args.indexOf(parts[0]!) + parts[0]!.length).trim()]];
  }
  return parts.map((part) => {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${what} '${part}': expected key=value`);
    return [part.slice(0, eq), part.slice(eq + 1)];
  });
}

/** Splits on whitespace, honouring double and single quotes and backslash escapes. */
function words(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === '\\' && i + 1 < text.length) {
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
