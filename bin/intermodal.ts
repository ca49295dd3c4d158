#!/usr/bin/env node
/**
 * The `intermodal` command line. Global options come before the command:
 * `intermodal [--data-dir DIR] COMMAND [ARGS]`. Exit codes: 0 success, 1 the operation
 * failed (one line on stderr says why), 2 the command line itself was wrong.
 */
import { loadEngineConfig } from '../engine/config.js';
import type { ContainerService } from '../engine/containers/container-service.js';
import { Engine } from '../engine/engine.js';
import { openContainerService } from './cli/open-container-service.js';
import { type Command, type CommandContext, UsageError } from './cli/command.js';
import { errorLine } from './cli/errors.js';
/**
 * Every command by name, in help order, with the module that defines it. A module is
 * loaded only when one of its commands runs (every one for `help`): the bundle splits
 * along these imports, so a container command does not parse and run the API server's
 * dependencies (fastify, ajv, winston), about 45 ms of every start-up otherwise.
 */
const commandModules: [name: string, load: () => Promise<Record<string, unknown>>][] = [
  ['info', () => import('./commands/info.js')],
  ...['run', 'create'].map((n): [string, () => Promise<Record<string, unknown>>] => [n, () => import('./commands/run.js')]),
  ...['start', 'stop', 'restart', 'kill', 'pause', 'unpause', 'rm'].map((n): [string, () => Promise<Record<string, unknown>>] => [n, () => import('./commands/container-verbs.js')]),
  ['ps', () => import('./commands/ps.js')],
  ['logs', () => import('./commands/logs.js')],
  ['exec', () => import('./commands/exec.js')],
  ['inspect', () => import('./commands/inspect.js')],
  ...['commit', 'diff'].map((n): [string, () => Promise<Record<string, unknown>>] => [n, () => import('./commands/container-changes.js')]),
  ...['top', 'stats'].map((n): [string, () => Promise<Record<string, unknown>>] => [n, () => import('./commands/container-usage.js')]),
  ['wait', () => import('./commands/container-verbs.js')],
  ['rename', () => import('./commands/rename.js')],
  ['volume', () => import('./commands/volume.js')],
  ['network', () => import('./commands/network.js')],
  ['build', () => import('./commands/build.js')],
  ['images', () => import('./commands/images.js')],
  ['image', () => import('./commands/image.js')],
  ['load', () => import('./commands/load.js')],
  ['save', () => import('./commands/save.js')],
  ['import', () => import('./commands/import.js')],
  ['tag', () => import('./commands/tag.js')],
  ['rmi', () => import('./commands/rmi.js')],
  ['pull', () => import('./commands/pull.js')],
  ['push', () => import('./commands/push.js')],
  ['login', () => import('./commands/login.js')],
  ['logout', () => import('./commands/logout.js')],
  ['container-exited', () => import('./commands/container-exited.js')],
  ['serve', () => import('./commands/serve.js')],
  ['registry', () => import('./commands/registry.js')],
];

/** The command called `name`, from its module; undefined for an unknown name. */
async function findCommand(name: string): Promise<Command | undefined> {
  const entry = commandModules.find(([n]) => n === name);
  if (!entry) return undefined;
  return Object.values(await entry[1]()).find((c): c is Command => (c as Command | undefined)?.name === name);
}

async function help(): Promise<string> {
  const commands = await Promise.all(commandModules.map(([name]) => findCommand(name)));
  const lines = commands.filter((c): c is Command => c !== undefined && !c.summary.startsWith('(internal)')).map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return `Usage: intermodal [--data-dir DIR] COMMAND [ARGS]\n\nCommands:\n${lines.join('\n')}\n\nRun 'intermodal COMMAND --help' for a command's usage.\n`;
}

/** Registry settings from INTERMODAL_DEFAULT_REGISTRY and INTERMODAL_INSECURE_REGISTRIES (comma-separated hosts). */
function registryEnvironment(env: NodeJS.ProcessEnv): { defaultRegistry?: string; insecure?: string[] } {
  const insecure = env.INTERMODAL_INSECURE_REGISTRIES?.split(',').map((h) => h.trim()).filter(Boolean);
  return { ...(env.INTERMODAL_DEFAULT_REGISTRY && { defaultRegistry: env.INTERMODAL_DEFAULT_REGISTRY }), ...(insecure && { insecure }) };
}

async function main(argv: string[]): Promise<number> {
  let dataDir: string | undefined;
  while (argv[0]?.startsWith('--data-dir')) {
    const arg = argv.shift()!;
    dataDir = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv.shift();
    if (!dataDir) throw new UsageError('--data-dir needs a directory');
  }
  const name = argv.shift();
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(await help());
    return name === undefined ? 2 : 0;
  }
  const command = await findCommand(name);
  if (!command) throw new UsageError(`unknown command '${name}'`);
  const own = command.optionsEnd ? argv.slice(0, command.optionsEnd(argv)) : argv;
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(`Usage: intermodal ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  const config = loadEngineConfig({ ...(dataDir !== undefined && { dataDir }), registries: registryEnvironment(process.env) });
  let engine: Engine | undefined;
  let containers: ContainerService | undefined;
  const ctx: CommandContext = {
    engine: () => (engine ??= Engine.open(config)),
    containers: () => (containers ??= openContainerService(ctx.engine())),
    dataDir: config.dataDir,
    get in() { return process.stdin; }, // lazy: creating process.stdin costs every other command time
    out: process.stdout,
    err: process.stderr,
  };
  try {
    // Every command is a start-up here (there is no daemon), so each settles what a crashed one left.
    if (command.name !== 'container-exited' && command.name !== 'info') await ctx.engine().recover();
    return await command.run(ctx, argv);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw Object.assign(err as Error, { usage: command.usage });
    throw err;
  } finally {
    engine?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const usage = (err as { usage?: string }).usage;
      process.stderr.write(`Error: ${(err as Error).message}\n${usage ? `Usage: intermodal ${usage}\n` : ''}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(errorLine(err));
    process.exitCode = 1;
  },
);
