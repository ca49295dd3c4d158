/** `top` and `stats`: a container's processes and its cgroup figures. */
import { parseArgs } from 'node:util';
import { cgroupPids, readCgroupStats } from '../../engine/containers/cgroup-stats.js';
import { processTable } from '../../engine/containers/process-table.js';
import { type Command, UsageError } from '../cli/command.js';
import { humanSize, json, table } from '../cli/format.js';

export const topCommand: Command = {
  name: 'top',
  usage: 'top CONTAINER',
  summary: "List a container's processes",
  async run(ctx, argv) {
    if (argv.length !== 1) throw new UsageError('top needs one CONTAINER');
    const svc = ctx.containers();
    const record = await svc.get(argv[0]!);
    if (record.status !== 'running' && record.status !== 'paused') throw new UsageError(`container ${record.name} is not running`);
    const rows = processTable(cgroupPids(svc.paths(record.id).cgroupsPath));
    const time = (s: number): string => new Date(s * 1000).toISOString().slice(11, 19);
    ctx.out.write(table(['UID', 'PID', 'PPID', 'TIME', 'CMD'], rows.map((r) => [String(r.uid), String(r.pid), String(r.ppid), time(r.cpuSeconds), r.command])));
    return 0;
  },
};

export const statsCommand: Command = {
  name: 'stats',
  usage: 'stats [--no-stream] [--format table|json] [CONTAINER...]',
  summary: 'CPU, memory and pids of running containers, from their cgroups',
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'no-stream': { type: 'boolean' }, format: { type: 'string', default: 'table' } } });
    const svc = ctx.containers();
    const records = positionals.length > 0 ? await Promise.all(positionals.map((p) => svc.get(p))) : await svc.list();
    const sample = () => new Map(records.map((r) => [r.id, readCgroupStats(svc.paths(r.id).cgroupsPath)]));
    const first = sample();
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = sample();
    const elapsedNs = (Date.now() - started) * 1e6;
    const rows = records.map((r) => {
      const a = first.get(r.id);
      const b = second.get(r.id);
      const cpu = a && b ? ((b.cpuNanos - a.cpuNanos) / elapsedNs) * 100 : 0;
      return { id: r.id, name: r.name, cpuPercent: cpu, memoryBytes: b?.memoryBytes ?? 0, memoryLimitBytes: b?.memoryLimitBytes ?? null, pids: b?.pids ?? 0, pidsLimit: b?.pidsLimit ?? null, cpuQuota: b?.cpuQuota ?? null };
    });
    if (values.format === 'json') {
      ctx.out.write(json(rows));
      return 0;
    }
    ctx.out.write(table(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'PIDS'], rows.map((r) => [r.id.slice(0, 12), r.name, `${r.cpuPercent.toFixed(2)}%`, `${humanSize(r.memoryBytes)} / ${r.memoryLimitBytes !== null ? humanSize(r.memoryLimitBytes) : 'unlimited'}`, String(r.pids)])));
    return 0;
  },
};
