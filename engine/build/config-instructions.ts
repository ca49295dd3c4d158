/**
 * Instructions that only change the image config. ENV, LABEL, USER, EXPOSE, VOLUME and
 * STOPSIGNAL go through engine/images/config-changes.ts (the same parser as `commit
 * --change`); CMD and ENTRYPOINT are here because their shell form uses the stage's SHELL,
 * and HEALTHCHECK, SHELL and ONBUILD because `--change` does not take them.
 */
import { InvalidArgumentError } from '../errors.js';
import { applyConfigChanges } from '../images/config-changes.js';
import type { ContainerConfig } from '../images/image-config.js';
import { type Instruction, jsonForm, lineError, splitInstruction } from './dockerfile-parser.js';

/** The default SHELL, as Docker's on Linux. */
export const defaultShell = ['/bin/sh', '-c'];

/** A config change: returns the new config from a copy of the old. */
export type ConfigChange = (config: ContainerConfig) => ContainerConfig;

const viaConfigChanges = new Set(['ENV', 'LABEL', 'USER', 'EXPOSE', 'VOLUME', 'STOPSIGNAL']);

/**
 * The change an instruction makes; `args` is already substituted where Docker substitutes.
 * `cmdSet` says whether this stage set CMD before (ENTRYPOINT then keeps it).
 */
export function configChangeOf(instruction: Instruction, args: string, cmdSet: boolean): ConfigChange {
  const { keyword, line } = instruction;
  if (viaConfigChanges.has(keyword)) {
    // Checked now, so that a bad value fails before the step is numbered as done.
    const check = (config: ContainerConfig): ContainerConfig => applyConfigChanges(config, [`${keyword} ${args}`]);
    try {
      check({});
    } catch (err) {
      throw lineError(line, (err as Error).message);
    }
    return check;
  }
  switch (keyword) {
    case 'CMD':
      return (config) => ({ ...config, Cmd: commandOf(args, config) });
    case 'ENTRYPOINT':
      return (config) => ({ ...config, Entrypoint: commandOf(args, config), ...(!cmdSet && { Cmd: null }) });
    case 'SHELL': {
      const shell = jsonForm(args);
      if (!shell || shell.length === 0) throw lineError(line, 'SHELL needs a JSON array of strings, such as ["/bin/bash", "-c"]');
      return (config) => ({ ...config, Shell: shell });
    }
    case 'HEALTHCHECK': {
      const healthcheck = healthcheckOf(instruction, args);
      return (config) => ({ ...config, Healthcheck: healthcheck });
    }
    case 'ONBUILD': {
      const trigger = splitInstruction(line, args); // checks the keyword now
      if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(trigger.keyword)) throw lineError(line, `${trigger.keyword} is not allowed as an ONBUILD trigger`);
      return (config) => ({ ...config, OnBuild: [...((config.OnBuild as string[] | undefined) ?? []), args] });
    }
    case 'MAINTAINER':
      return (config) => config;
    default:
      throw lineError(line, `${keyword} is not a config instruction`);
  }
}

/** The stage's shell: the config's SHELL or Docker's default. */
export function shellOf(config: ContainerConfig): string[] {
  const shell = config.Shell;
  return Array.isArray(shell) && shell.every((s) => typeof s === 'string') && shell.length > 0 ? (shell as string[]) : defaultShell;
}

function commandOf(args: string, config: ContainerConfig): string[] {
  return jsonForm(args) ?? [...shellOf(config), args];
}

function healthcheckOf(instruction: Instruction, args: string): Record<string, unknown> {
  const { line, flags } = instruction;
  const words = args.trim().split(/\s+/);
  const kind = words[0]!.toUpperCase();
  if (kind === 'NONE') {
    if (words.length > 1 || Object.keys(flags).length > 0) throw lineError(line, 'HEALTHCHECK NONE takes no arguments or flags');
    return { Test: ['NONE'] };
  }
  if (kind !== 'CMD') throw lineError(line, `HEALTHCHECK needs CMD or NONE, not '${words[0]}'`);
  const rest = args.trim().slice(3).trim();
  if (rest === '') throw lineError(line, 'HEALTHCHECK CMD needs a command');
  const exec = jsonForm(rest);
  const check: Record<string, unknown> = { Test: exec ? ['CMD', ...exec] : ['CMD-SHELL', rest] };
  const durations: [string, string][] = [['interval', 'Interval'], ['timeout', 'Timeout'], ['start-period', 'StartPeriod'], ['start-interval', 'StartInterval']];
  for (const [flag, field] of durations) {
    if (flags[flag] !== undefined) check[field] = durationNanos(flags[flag]!, line, flag);
  }
  if (flags.retries !== undefined) {
    if (!/^\d+$/.test(flags.retries)) throw lineError(line, `--retries must be a whole number, not '${flags.retries}'`);
    check.Retries = Number(flags.retries);
  }
  return check;
}

/** Go-style durations (`30s`, `1m30s`, `500ms`) in nanoseconds. */
function durationNanos(text: string, line: number, flag: string): number {
  const unit: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw lineError(line, `--${flag} '${text}' is not a duration such as 30s or 1m30s`);
  }
  const total = parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]!]!, 0);
  if (total < 0) throw new InvalidArgumentError(`--${flag} must not be negative`);
  return Math.round(total);
}
