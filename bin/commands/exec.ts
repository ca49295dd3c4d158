/** `intermodal exec`: runs a command in a running container and exits with its code. */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../cli/command.js';
import { checkTerminalInput } from '../cli/attached-run.js';

/** The CONTAINER argument's index: the first that is neither an option nor an option's value. */
function containerIndex(argv: string[]): number {
  const at = argv.findIndex((a, i) => !a.startsWith('-') && !['-e', '--env', '-u', '--user', '-w', '--workdir'].includes(argv[i - 1] ?? ''));
  return at < 0 ? argv.length : at;
}

export const execCommand: Command = {
  name: 'exec',
  usage: 'exec [-i] [-t] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]',
  summary: 'Run a command in a running container',
  optionsEnd: containerIndex,
  async run(ctx, argv) {
    const at = containerIndex(argv);
    if (at < 0 || at + 1 >= argv.length) throw new UsageError('exec needs CONTAINER and COMMAND');
    const { values } = parseArgs({ args: argv.slice(0, at), options: { env: { type: 'string', short: 'e', multiple: true }, user: { type: 'string', short: 'u' }, workdir: { type: 'string', short: 'w' }, interactive: { type: 'boolean', short: 'i' }, tty: { type: 'boolean', short: 't' } } });
    const interactive = values.interactive ?? false;
    const tty = values.tty ?? false;
    checkTerminalInput(interactive, tty, ctx.in);
    // A terminal process gets our own terminal's descriptors, and runc relays them itself.
    // Without -i it reads no keys: its stdin is /dev/null, as with docker exec -t.
    if (tty && !ctx.in.isTTY && !(ctx.out as { isTTY?: boolean }).isTTY) throw new UsageError('exec -t needs a terminal on stdin or stdout');
    return ctx.containers().exec(argv[at]!, argv.slice(at + 1), {
      ...(values.env && { env: values.env }),
      ...(values.user !== undefined && { user: values.user }),
      ...(values.workdir !== undefined && { workdir: values.workdir }),
      ...(interactive && !tty && { stdin: ctx.in }),
      ...(tty && { terminal: [interactive ? 0 : fs.openSync('/dev/null', 'r'), 1, 2] as [number, number, number] }),
      stdout: ctx.out,
      stderr: ctx.err,
    });
  },
};
