/** `diff` and `commit`: what a container changed, and turning that into an image. */
import { parseArgs } from 'node:util';
import { commitSnapshot } from '../../engine/images/commit-snapshot.js';
import { type Command, UsageError } from '../cli/command.js';

export const diffCommand: Command = {
  name: 'diff',
  usage: 'diff CONTAINER',
  summary: "List a container's changed files: A added, C changed, D deleted",
  async run(ctx, argv) {
    if (argv.length !== 1) throw new UsageError('diff needs one CONTAINER');
    for (const change of await ctx.containers().diff(argv[0]!)) ctx.out.write(`${change.kind} ${change.path}\n`);
    return 0;
  },
};

export const commitCommand: Command = {
  name: 'commit',
  usage: "commit [-c 'CMD [...]']... [-m MESSAGE] [-a AUTHOR] [--pause=false] CONTAINER [NAME[:TAG]]",
  summary: "Create an image from a container's changes (pausing it while they are read)",
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { change: { type: 'string', short: 'c', multiple: true }, message: { type: 'string', short: 'm' }, author: { type: 'string', short: 'a' }, pause: { type: 'string', short: 'p', default: 'true' } } });
    const [container, ref] = positionals;
    if (container === undefined || positionals.length > 2) throw new UsageError('commit needs CONTAINER and an optional NAME[:TAG]');
    const svc = ctx.containers();
    const record = await svc.get(container);
    const pause = record.status === 'running' && values.pause !== 'false';
    if (pause) await svc.pause(record.id);
    try {
      const image = await commitSnapshot(ctx.engine(), record.id, {
        ...(ref !== undefined && { ref }),
        changes: values.change ?? [],
        ...(values.message !== undefined && { message: values.message }),
        ...(values.author !== undefined && { author: values.author }),
        createdBy: `intermodal commit ${record.name}`,
      });
      ctx.out.write(`${image.id}\n`);
    } finally {
      if (pause) await svc.unpause(record.id);
    }
    return 0;
  },
};
