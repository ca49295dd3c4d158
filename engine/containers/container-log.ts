/**
 * Reading container logs as conmon writes them (the k8s-file format): one record a line,
 * `<RFC3339Nano time> <stdout|stderr> <F|P> <text>`, where P marks a partial line that the
 * next record continues.
 */
import fs from 'node:fs';
import readline from 'node:readline';

/** One line of output. */
export interface LogLine {
  time: Date;
  /** The exact timestamp text, which carries nanoseconds. */
  timestamp: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Parses the log file into whole lines (joining partial records). */
export async function readLog(file: string, options: { since?: Date } = {}): Promise<LogLine[]> {
  if (!fs.existsSync(file)) return [];
  const lines: LogLine[] = [];
  let pending: LogLine | undefined;
  const input = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const record of input) {
    const parsed = parseLogRecord(record);
    if (!parsed) continue;
    const line: LogLine = pending && pending.stream === parsed.stream ? { ...pending, text: pending.text + parsed.text } : { ...parsed };
    if (parsed.partial) {
      pending = line;
      continue;
    }
    pending = undefined;
    if (!options.since || line.time >= options.since) lines.push(line);
  }
  if (pending && (!options.since || pending.time >= options.since)) lines.push(pending);
  return lines;
}

/** One k8s-file record; undefined for a line that is not one. */
export function parseLogRecord(record: string): (LogLine & { partial: boolean }) | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/.exec(record);
  if (!m) return undefined;
  return { timestamp: m[1]!, time: new Date(m[1]!), stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', text: m[4]! };
}

/**
 * Follows a container log as it grows: each call of the returned function reads what was
 * appended since the last one and hands every complete record to `write` (a partial line
 * waits for its end). Used by whatever streams a running container's output.
 */
export function logFollower(file: string, write: (stream: LogLine['stream'], text: string) => void, startOffset = 0): () => void {
  let offset = startOffset;
  let pending = '';
  return () => {
    let data: Buffer;
    try {
      const fd = fs.openSync(file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        if (size <= offset) return;
        data = Buffer.alloc(size - offset);
        fs.readSync(fd, data, 0, data.length, offset);
        offset = size;
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return;
    }
    const lines = (pending + data.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const record = parseLogRecord(line);
      if (record) write(record.stream, record.text + (record.partial ? '' : '\n'));
    }
  };
}
