/** Human output: aligned tables, sizes and ages as Docker prints them. */

/** Renders rows under headers, columns separated by three spaces. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** 1.23MB, 45.6kB: decimal units, three significant digits, as Docker shows sizes. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(3))}${units[unit]}`;
}

/** "5 seconds ago", "3 hours ago". */
export function timeAgo(date: Date, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  const steps: [number, string][] = [[60, 'second'], [60, 'minute'], [24, 'hour'], [7, 'day'], [4.35, 'week'], [12, 'month'], [Infinity, 'year']];
  let value = seconds;
  for (const [size, name] of steps) {
    if (value < size) {
      if (name === 'second' && value < 1) return 'Less than a second ago';
      const n = Math.floor(value);
      return `${n === 1 ? (name === 'hour' ? 'An' : 'A') : n} ${name}${n === 1 ? '' : 's'} ago`;
    }
    value /= size;
  }
  return 'a long time ago';
}

/** JSON for `--format json`: indented, one document. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
