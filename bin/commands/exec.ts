/** `intermodal exec`: runs a command in a running container and exits with its code. */
import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../cli/command.js';

export const execCommand: Command = {
  name: 'exec',
  usage: 'exec [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]',
  summary: 'Run a command in a running container',
  async run(ctx, argv) {
    const at = argv.findIndex((a, i) => !a.startsWith('-') && !['-e', '--env', '-u', '--user', '-w', '--workdir'].includes(argv[i - 1] ?? ''));
    if (at < 0 || at + 1 >= argv.length) throw new UsageError('exec needs CONTAINER and COMMAND');
    const { values } = parseArgs({ args: argv.slice(0, at), options: { env: { type: 'string', short: 'e', multiple: true }, user: { type: 'string', short: 'u' }, workdir: { type: 'string', short: 'w' }, interactive: { type: 'boolean', short: 'i' }, tty: { type: 'boolean', short: 't' } } });
    return ctx.containers().exec(argv[at]!, argv.slice(at + 1), {
      ...(values.env && { env: values.env }),
      ...(values.user !== undefined && { user: values.user }),
      ...(values.workdir !== undefined && { workdir: values.workdir }),
      stdout: ctx.out,
      stderr: ctx.err,
    });
  },
};
