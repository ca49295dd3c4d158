/**
 * The unpack worker thread's entry (started by unpack-in-worker.ts): reads the plain tar
 * straight from the decoder's stdout pipe and unpacks it with the same code the calling
 * thread would use (unpack-tar.ts), so that parsing, hashing and file creation run on a
 * core of their own while the calling thread downloads, verifies and feeds the decoder.
 * It never closes the pipe: the thread that started it does, once this thread has exited.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { LayerLimits } from '../config.js';
import { hasErrno, isIntermodalError } from '../errors.js';
import { unpackTar, type TarUnpackResult } from './unpack-tar.js';

/** What the worker is asked to do. */
export interface UnpackJob {
  /** A blocking pipe carrying the plain tar. */
  fd: number;
  /** Exists and is empty. */
  targetDir: string;
  limits: LayerLimits;
}

/** An error as it crosses the thread boundary: its category by name, or its errno code. */
export interface CarriedError {
  name: string;
  message: string;
  code?: string;
  intermodal: boolean;
}

/** The worker's one message. `reachedEnd`: the pipe was read to its end before it failed. */
export type UnpackReply = { ok: TarUnpackResult } | { error: CarriedError; reachedEnd: boolean };

/** Reads are into fresh slabs, never reused: the tar reader keeps views of what it was given. */
const slabSize = 4 * 1024 * 1024;
/** A slab with less room left than this is retired, so that reads stay large. */
const minRead = 256 * 1024;

/** The pipe's bytes, read with blocking reads: this thread has nothing else to wait for. */
async function* pipeChunks(fd: number, state: { ended: boolean }): AsyncGenerator<Buffer> {
  let slab = Buffer.allocUnsafe(slabSize);
  let used = 0;
  for (;;) {
    if (slabSize - used < minRead) {
      slab = Buffer.allocUnsafe(slabSize);
      used = 0;
    }
    let n: number;
    try {
      n = fs.readSync(fd, slab, used, slabSize - used, null);
    } catch (err) {
      if (hasErrno(err, 'EINTR')) continue;
      throw err;
    }
    if (n === 0) {
      state.ended = true;
      return;
    }
    yield slab.subarray(used, used + n);
    used += n;
  }
}

function carried(err: unknown): CarriedError {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as NodeJS.ErrnoException).code;
  return { name: e.name, message: e.message, intermodal: isIntermodalError(e), ...(typeof code === 'string' && { code }) };
}

const job = workerData as UnpackJob;
const state = { ended: false };
let reply: UnpackReply;
try {
  reply = { ok: await unpackTar(pipeChunks(job.fd, state), job.targetDir, job.limits) };
} catch (err) {
  reply = { error: carried(err), reachedEnd: state.ended };
}
parentPort!.postMessage(reply);
