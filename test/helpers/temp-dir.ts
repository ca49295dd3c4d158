/** Per-test scratch directories under /tmp/imtest-*, removed by the test that made them. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Makes a fresh directory whose name says which test made it. */
export function makeTempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `imtest-${label.replace(/[^a-z0-9]+/gi, '-')}-`));
}

/** Removes a directory made by makeTempDir, whatever it holds. */
export function removeTempDir(dir: string): void {
  // Retries cover a conmon exit callback still finishing its last write in the dir.
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}
