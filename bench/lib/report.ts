/**
 * The benchmark table: each row is one of our figures next to the best peer figure of the
 * same run, the ratio between them, and the target from the issue.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One benchmark result. */
export interface BenchRow {
  name: string;
  /** Our figure and its unit ('ms', 'MB'). */
  ours: number;
  unit: string;
  /** Peer figures from the same run, by peer name; NaN when the peer could not run. */
  peers: Record<string, number>;
  /** Which peer the ratio is against; the fastest one when not given. */
  ratioAgainst?: string;
  /** The target, as text, and whether it is met. */
  target: string;
  met: boolean | undefined;
  note?: string;
}

/** The machine line: CPU model, cores, memory, kernel. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Linux ${os.release()}`;
}

/** The ratio a row reports: ours / the named (or fastest available) peer. */
export function ratioOf(row: BenchRow): { peer: string; ratio: number } | undefined {
  const candidates = Object.entries(row.peers).filter(([, v]) => Number.isFinite(v));
  if (candidates.length === 0) return undefined;
  const [peer, value] = row.ratioAgainst !== undefined
    ? candidates.find(([p]) => p === row.ratioAgainst) ?? candidates.sort((a, b) => a[1] - b[1])[0]!
    : candidates.sort((a, b) => a[1] - b[1])[0]!;
  return { peer, ratio: row.ours / value };
}

/** Renders the rows as a Markdown table. */
export function renderTable(rows: BenchRow[]): string {
  const fmt = (v: number, unit: string): string => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ${unit}` : 'n/a');
  const lines = ['| benchmark | ours | peers (same run) | ratio | target | met |', '| --- | --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    const peers = Object.entries(row.peers).map(([p, v]) => `${p}: ${fmt(v, row.unit)}`).join('; ') || '—';
    const ratio = ratioOf(row);
    const met = row.met === undefined ? 'n/a' : row.met ? 'yes' : 'NO';
    lines.push(`| ${row.name}${row.note ? ` (${row.note})` : ''} | ${fmt(row.ours, row.unit)} | ${peers} | ${ratio ? `${ratio.ratio.toFixed(2)}× ${ratio.peer}` : '—'} | ${row.target} | ${met} |`);
  }
  return lines.join('\n') + '\n';
}

/** Appends a dated section with the table to bench/RESULTS.md. */
export function appendResults(resultsFile: string, rows: BenchRow[], extra: string[] = []): string {
  const section = [`## ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`, '', `Machine: ${machineLine()}`, ...extra.map((e) => `${e}`), '', renderTable(rows)].join('\n');
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  const header = fs.existsSync(resultsFile) ? '' : '# Benchmark results\n\nEach section is one `npm run bench` run; peers are measured in the same run.\n\n';
  fs.appendFileSync(resultsFile, `${header}${section}\n`);
  return section;
}
