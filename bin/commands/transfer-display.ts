/**
 * How pull and push show progress: on a TTY one line per layer, redrawn in place, with a
 * bar, bytes and rate; otherwise one plain line each time a layer changes state (no byte
 * counts, so logs stay short); nothing with --quiet.
 */
import type { ProgressListener, TransferEvent } from '../../engine/registry/index.js';
import { humanSize } from '../cli/format.js';

interface Line {
  event: TransferEvent;
  startedAt: number;
}

/** A listener that draws to `out`; call `finish` before printing anything else. */
export function transferDisplay(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, quiet: boolean): { listener: ProgressListener; finish(): void } {
  if (quiet) return { listener: () => {}, finish: () => {} };
  if (!out.isTTY) {
    const last = new Map<string, string>();
    return {
      listener: (event) => {
        if (event.status === 'Downloading' || event.status === 'Pushing' || last.get(event.id) === event.status) return;
        last.set(event.id, event.status);
        out.write(`${event.id}: ${event.status}${event.from ? ` from ${event.from}` : ''}\n`);
      },
      finish: () => {},
    };
  }
  const lines = new Map<string, Line>();
  let drawn = 0;
  let lastDraw = 0;
  const draw = (): void => {
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const line of lines.values()) text += `\x1b[2K${render(line, out.columns ?? 80)}\n`;
    drawn = lines.size;
    out.write(text);
    lastDraw = Date.now();
  };
  return {
    listener: (event) => {
      const line = lines.get(event.id);
      if (line) line.event = event;
      else lines.set(event.id, { event, startedAt: Date.now() });
      const moving = event.status === 'Downloading' || event.status === 'Pushing';
      if (!moving || Date.now() - lastDraw > 100) draw();
    },
    finish: () => {
      if (lines.size > 0) draw();
    },
  };
}

function render(line: Line, columns: number): string {
  const { event } = line;
  const head = `${event.id}: ${event.status}${event.from ? ` from ${event.from}` : ''}`;
  if (event.current === undefined || event.total === undefined || event.total === 0) return head;
  const seconds = Math.max(0.001, (Date.now() - line.startedAt) / 1000);
  const tail = ` ${humanSize(event.current)}/${humanSize(event.total)} ${humanSize(event.current / seconds)}/s`;
  const width = Math.max(10, Math.min(50, columns - head.length - tail.length - 4));
  const filled = Math.min(width, Math.round((event.current / event.total) * width));
  return `${head} [${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(width - filled)}]${tail}`;
}
