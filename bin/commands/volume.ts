/** `intermodal volume create|ls|inspect|rm`. */
import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../cli/command.js';
import { errorLine } from '../cli/errors.js';
import { json, table } from '../cli/format.js';

export const volumeCommand: Command = {
  name: 'volume',
  usage: 'volume create [--label K=V] [NAME] | ls [-q] | inspect NAME... | rm [-f] NAME...',
  summary: 'Manage named volumes',
  async run(ctx, argv) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { label: { type: 'string', multiple: true }, quiet: { type: 'boolean', short: 'q' }, force: { type: 'boolean', short: 'f' }, format: { type: 'string', default: 'table' } } });
    const volumes = ctx.containers().volumes;
    const doc = (name: string) => {
      const v = volumes.get(name);
      return { Name: v.name, Driver: 'local', Mountpoint: v.mountpoint, Labels: v.labels, CreatedAt: v.createdAt.toISOString(), Anonymous: v.anonymous, UsedBy: volumes.users(v.name) };
    };
    switch (sub) {
      case 'create': {
        const labels = Object.fromEntries((values.label ?? []).map((l) => [l.split('=')[0]!, l.split('=').slice(1).join('=')]));
        ctx.out.write(`${volumes.create(positionals[0], { labels }).name}\n`);
        return 0;
      }
      case 'ls':
      case 'list': {
        const all = volumes.list();
        if (values.quiet) ctx.out.write(all.map((v) => `${v.name}\n`).join(''));
        else if (values.format === 'json') ctx.out.write(json(all.map((v) => doc(v.name))));
        else ctx.out.write(table(['DRIVER', 'VOLUME NAME'], all.map((v) => ['local', v.name])));
        return 0;
      }
      case 'inspect':
        ctx.out.write(json(positionals.map(doc)));
        return 0;
      case 'rm':
      case 'remove': {
        let status = 0;
        for (const name of positionals) {
          try {
            volumes.remove(name, { force: values.force ?? false });
            ctx.out.write(`${name}\n`);
          } catch (err) {
            ctx.err.write(errorLine(err));
            status = 1;
          }
        }
        return status;
      }
      default:
        throw new UsageError('volume needs a subcommand: create, ls, inspect, rm');
    }
  },
};
