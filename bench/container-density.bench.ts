/**
 * Density: start many idle containers and measure what we keep on the host per container
 * beyond the container's own processes: its conmon monitor (RSS and PSS, from /proc).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliPath } from '../test/helpers/cli.js';
import type { BenchRow } from './lib/report.js';

/** Starts `count` busybox sleep containers in `dataDir` (image bench/busybox:1 already there). */
export async function benchDensity(dataDir: string, count: number): Promise<BenchRow> {
  const cli = (args: string[]): string => execFileSync(process.execPath, [cliPath, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  const ids: string[] = [];
  try {
    for (let i = 0; i < count; i++) ids.push(cli(['run', '-d', 'bench/busybox:1', 'sleep', '3600']).trim());
    const monitors = ids.map((id) => JSON.parse(cli(['inspect', id]))[0].State.Pid as number).map(parentOf);
    const rss = monitors.map((pid) => statusKb(pid, 'VmRSS'));
    const pss = monitors.map((pid) => rollupKb(pid, 'Pss'));
    const avgRss = rss.reduce((a, b) => a + b, 0) / rss.length / 1024;
    const avgPss = pss.reduce((a, b) => a + b, 0) / pss.length / 1024;
    return {
      name: `host memory per idle container beyond its own processes (conmon), ${count} containers`, ours: avgPss, unit: 'MB', peers: {},
      target: '≤ 3 MB (Docker shim: 5–10 MB)', met: avgPss <= 3, note: `PSS; RSS ${avgRss.toFixed(2)} MB`,
    };
  } finally {
    for (let i = 0; i < ids.length; i += 50) cli(['rm', '-f', ...ids.slice(i, i + 50)]);
  }
}

/** conmon is the parent of the container's init process. */
function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function statusKb(pid: number, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

function rollupKb(pid: number, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(fs.readFileSync(path.join('/proc', String(pid), 'smaps_rollup'), 'utf8'))?.[1] ?? 0);
}
