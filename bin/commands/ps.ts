/** `intermodal ps`: containers, as docker ps shows them. */
import { parseArgs } from 'node:util';
import type { ContainerRecord } from '../../engine/containers/container-store.js';
import type { Command } from '../cli/command.js';
import { json, table, timeAgo } from '../cli/format.js';

/** Docker's STATUS column: "Up 5 seconds", "Exited (3) 2 minutes ago", "Created". */
export function statusText(r: ContainerRecord): string {
  if (r.status === 'running' && r.startedAt) return `Up ${timeAgo(r.startedAt).replace(/ ago$/, '').replace(/^(A|An) /, '1 ')}`;
  if (r.status === 'paused' && r.startedAt) return `Up ${timeAgo(r.startedAt).replace(/ ago$/, '')} (Paused)`;
  if (r.status === 'exited') return `Exited (${r.exitCode ?? -1}) ${r.finishedAt ? timeAgo(r.finishedAt) : ''}`.trim();
  return r.status[0]!.toUpperCase() + r.status.slice(1);
}

export const psCommand: Command = {
  name: 'ps',
  usage: 'ps [-a] [-q] [--no-trunc] [-f status=S|name=N|label=K[=V]] [--format table|json]',
  summary: 'List containers (running ones; -a for all)',
  async run(ctx, argv) {
    const { values } = parseArgs({ args: argv, options: { all: { type: 'boolean', short: 'a' }, quiet: { type: 'boolean', short: 'q' }, 'no-trunc': { type: 'boolean' }, filter: { type: 'string', short: 'f', multiple: true }, format: { type: 'string', default: 'table' } } });
    let records = await ctx.containers().list({ all: values.all || (values.filter ?? []).some((f) => f.startsWith('status=')) });
    for (const filter of values.filter ?? []) {
      const [key, ...rest] = filter.split('=');
      const value = rest.join('=');
      records = records.filter((r) => {
        if (key === 'status') return r.status === value;
        if (key === 'name') return r.name.includes(value);
        if (key === 'id') return r.id.startsWith(value);
        if (key === 'ancestor') return r.imageRef === value || r.imageId === value;
        if (key === 'label') {
          const [k, v] = value.split('=');
          return k! in r.spec.labels && (v === undefined || r.spec.labels[k!] === v);
        }
        return true;
      });
    }
    const id = (r: ContainerRecord): string => (values['no-trunc'] ? r.id : r.id.slice(0, 12));
    if (values.quiet) {
      ctx.out.write(records.map((r) => `${id(r)}\n`).join(''));
      return 0;
    }
    if (values.format === 'json') {
      ctx.out.write(json(records.map((r) => ({ Id: r.id, Names: [r.name], Image: r.imageRef, ImageID: r.imageId, State: r.status, Status: statusText(r), ExitCode: r.exitCode ?? null, Created: r.createdAt.toISOString(), Labels: r.spec.labels }))));
      return 0;
    }
    const command = (r: ContainerRecord): string => JSON.stringify([...(r.spec.entrypoint ?? []), ...(r.spec.cmd ?? [])].join(' ') || '').slice(0, 22);
    ctx.out.write(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'NAMES'], records.map((r) => [id(r), r.imageRef, command(r), timeAgo(r.createdAt), statusText(r), r.name])));
    return 0;
  },
};
