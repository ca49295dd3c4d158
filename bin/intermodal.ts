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
import { imageCommand } from './commands/image.js';
import { imagesCommand } from './commands/images.js';
import { importCommand } from './commands/import.js';
import { infoCommand } from './commands/info.js';
import { inspectCommand } from './commands/inspect.js';
import { loadCommand } from './commands/load.js';
import { loginCommand } from './commands/login.js';
import { logoutCommand } from './commands/logout.js';
import { pullCommand } from './commands/pull.js';
import { pushCommand } from './commands/push.js';
import { rmiCommand } from './commands/rmi.js';
import { saveCommand } from './commands/save.js';
import { tagCommand } from './commands/tag.js';
import { commitCommand, diffCommand } from './commands/container-changes.js';
import { containerExitedCommand } from './commands/container-exited.js';
import { statsCommand, topCommand } from './commands/container-usage.js';
import { killCommand, pauseCommand, restartCommand, rmCommand, startCommand, stopCommand, unpauseCommand, waitCommand } from './commands/container-verbs.js';
import { execCommand } from './commands/exec.js';
import { logsCommand } from './commands/logs.js';
import { psCommand } from './commands/ps.js';
import { renameCommand } from './commands/rename.js';
import { createCommand, runCommand } from './commands/run.js';
import { volumeCommand } from './commands/volume.js';
import { serveCommand } from './commands/serve.js';
import { registryCommand } from './commands/registry.js';

const commands: Command[] = [
  infoCommand, runCommand, createCommand, startCommand, stopCommand, restartCommand, killCommand, pauseCommand, unpauseCommand,
  rmCommand, psCommand, logsCommand, execCommand, inspectCommand, commitCommand, diffCommand, topCommand, statsCommand, waitCommand,
  renameCommand, volumeCommand, imagesCommand, imageCommand, loadCommand, saveCommand, importCommand, tagCommand, rmiCommand,
  pullCommand, pushCommand, loginCommand, logoutCommand,
  containerExitedCommand, serveCommand, registryCommand,
];

function help(): string {
  const lines = commands.filter((c) => !c.summary.startsWith('(internal)')).map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
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
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command '${name}'`);
  if (argv.includes('--help') || argv.includes('-h')) {
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
