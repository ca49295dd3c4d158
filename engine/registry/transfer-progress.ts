/**
 * Progress of a pull or push, as events per blob, for whoever displays them (the CLI draws
 * per-layer bars on a TTY and plain lines otherwise). The engine itself prints nothing.
 */

/** Where one blob's transfer is. Docker's words, so the output reads familiar. */
export type TransferStatus =
  | 'Waiting'
  | 'Already exists'
  | 'Downloading'
  | 'Download complete'
  | 'Extracting'
  | 'Pull complete'
  | 'Preparing'
  | 'Layer already exists'
  | 'Pushing'
  | 'Pushed'
  | 'Mounted';

/** One progress event. */
export interface TransferEvent {
  /** The blob's short ID (12 hex digits), as Docker shows it. */
  id: string;
  status: TransferStatus;
  /** Bytes done and total, while transferring. */
  current?: number;
  total?: number;
  /** For 'Mounted': the repository the blob was mounted from. */
  from?: string;
}

/** Receives progress events. */
export type ProgressListener = (event: TransferEvent) => void;

/** The 12-hex short form of a digest. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Passes chunks through, reporting bytes so far at most every `intervalMs`. */
export async function* metered(
  source: AsyncIterable<Buffer>,
  report: (bytes: number) => void,
  intervalMs = 100,
): AsyncGenerator<Buffer> {
  let bytes = 0;
  let last = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    const now = Date.now();
    if (now - last >= intervalMs) {
      last = now;
      report(bytes);
    }
    yield chunk;
  }
  report(bytes);
}

/** Runs `tasks` with at most `limit` at once; results in input order. */
export function bounded<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T>[] {
  let running = 0;
  const queue: (() => void)[] = [];
  const release = (): void => {
    running--;
    queue.shift()?.();
  };
  return tasks.map(
    (task) =>
      new Promise<T>((resolve, reject) => {
        const start = (): void => {
          running++;
          task().then(resolve, reject).finally(release);
        };
        if (running < limit) start();
        else queue.push(start);
      }),
  );
}
