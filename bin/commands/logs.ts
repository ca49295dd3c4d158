/** `intermodal logs`: a container's output, with --tail, -f, -t and --since. */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { readLog } from '../../engine/containers/container-log.js';
import { type Command, UsageError } from '../cli/command.js';
import { followUntilExit } from './run.js';

export const logsCommand: Command = {
  name: 'logs',
  usage: 'logs [-f] [-t] [--tail N] [--since TIME] CONTAINER',
  summary: "Print a container's stdout and stderr",
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { follow: { type: 'boolean', short: 'f' }, timestamps: { type: 'boolean', short: 't' }, tail: { type: 'string', short: 'n' }, since: { type: 'string' } } });
    if (positionals.length !== 1) throw new UsageError('logs needs one CONTAINER');
    const svc = ctx.containers();
    const record = await svc.get(positionals[0]!);
    const since = values.since !== undefined ? parseSince(values.since) : undefined;
    let lines = await readLog(svc.paths(record.id).log, { ...(since && { since }) });
    if (values.tail !== undefined && values.tail !== 'all') {
      const n = Number(values.tail);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--tail takes a number or 'all', not '${values.tail}'`);
      lines = n === 0 ? [] : lines.slice(-n);
    }
    for (const line of lines) (line.stream === 'stderr' ? ctx.err : ctx.out).write(`${values.timestamps ? `${line.timestamp} ` : ''}${line.text}\n`);
    if (values.follow && ['running', 'paused', 'restarting'].includes(record.status)) {
      // Follow from the end of what was printed.
      const log = svc.paths(record.id).log;
      await followUntilExit(svc, record.id, ctx.out, ctx.err, fs.existsSync(log) ? fs.statSync(log).size : 0);
    }
    return 0;
  },
};

/** `--since` as an RFC 3339 time, Unix seconds, or a duration ago (`10m`, `2h`, `30s`). */
function parseSince(text: string): Date {
  const d = /^(\d+)(s|m|h)$/.exec(text);
  if (d) return new Date(Date.now() - Number(d[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[d[2] as 's' | 'm' | 'h']);
  if (/^\d+(\.\d+)?$/.test(text)) return new Date(Number(text) * 1000);
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--since '${text}' is neither a time nor a duration like 10m`);
  return date;
}
