/** What every CLI command is: a name, its help, and a run function over parsed arguments. */
import type { ContainerService } from '../../engine/containers/container-service.js';
import type { Engine } from '../../engine/engine.js';

/** The context a command runs in; the engine is opened lazily so `help` needs no root. */
export interface CommandContext {
  engine(): Engine;
  /** The container service over the same engine, with runc and crun. */
  containers(): ContainerService;
  dataDir: string;
  /** Our stdin, for commands that pass it on (`run -i`, `exec -i`). */
  in: NodeJS.ReadStream;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** One CLI command. */
export interface Command {
  name: string;
  /** One line: `load [-i FILE]`. */
  usage: string;
  summary: string;
  /**
   * Where the command's own options end, for commands that pass the rest on as a
   * container's command (`run IMAGE ls -h`): a --help/-h from there on is not ours.
   */
  optionsEnd?(argv: string[]): number;
  /** Returns the process exit code. */
  run(ctx: CommandContext, argv: string[]): Promise<number>;
}

/** A usage error: printed with the command's usage line, exit code 2. */
export class UsageError extends Error {}
