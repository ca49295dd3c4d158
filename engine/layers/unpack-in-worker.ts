/**
 * Runs a layer's unpacking (tar parsing, diff ID hashing, file creation) on a worker thread
 * that reads the decoder's output pipe itself (unpack-worker.ts), so that it uses a second
 * core while this thread downloads, stores and verifies the blob and feeds the decoder.
 * Errors come back in the category the worker threw (a refused entry is still an
 * InvalidArgumentError naming the entry), and the decoder's verdict on its input is given
 * the same precedence as when the output is read on this thread (decoder-process.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LayerLimits } from '../config.js';
import {
  AlreadyExistsError, FailedPreconditionError, ForbiddenError, InvalidArgumentError, NotFoundError, NotImplementedError, QuotaExceededError,
  type IntermodalError,
} from '../errors.js';
import { projectRoot } from '../project-root.js';
import type { DecoderRun } from './decoder-process.js';
import type { TarUnpackResult } from './unpack-tar.js';
import type { CarriedError, UnpackJob, UnpackReply } from './unpack-worker.js';

/**
 * The worker's own file from tsc's output, also when this code runs from the esbuild bundle
 * (as the DNS server's dns-main.js is): a worker needs an entry of its own.
 */
export const unpackWorkerScript = path.join(projectRoot, 'dist', 'engine', 'layers', 'unpack-worker.js');

const categories: Record<string, new (message: string) => IntermodalError> = {
  AlreadyExistsError, FailedPreconditionError, ForbiddenError, InvalidArgumentError, NotFoundError, NotImplementedError, QuotaExceededError,
};

/**
 * Unpacks the tar that `decoder` writes into `targetDir` (existing, empty) on a worker
 * thread. Resolves or rejects only once the worker has exited, so nothing writes into
 * `targetDir` afterwards; the caller removes it on failure. The decoder is stopped and its
 * output pipe closed either way.
 */
export async function unpackInWorker(decoder: DecoderRun, targetDir: string, limits: LayerLimits): Promise<TarUnpackResult> {
  let reply: UnpackReply;
  try {
    reply = await runWorker({ fd: decoder.stdoutFd, targetDir, limits });
  } catch (err) {
    decoder.stop();
    throw err;
  } finally {
    fs.closeSync(decoder.stdoutFd);
  }
  if ('error' in reply && !reply.reachedEnd) {
    // The worker stopped reading part way: its error is the story, and the decoder is stopped.
    decoder.stop();
    throw rebuilt(reply.error);
  }
  // The output was read to its end: a failed download or a corrupt stream explains a
  // truncated tar better than the tar reader can, so the decoder's verdict comes first.
  try {
    await decoder.finished();
  } finally {
    decoder.stop();
  }
  if ('error' in reply) throw rebuilt(reply.error);
  return reply.ok;
}

/** Starts the worker and waits for its reply and its exit. */
function runWorker(job: UnpackJob): Promise<UnpackReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(unpackWorkerScript, { workerData: job });
    let reply: UnpackReply | undefined;
    let failure: unknown;
    worker.once('message', (message: UnpackReply) => (reply = message));
    worker.once('error', (err) => (failure = err));
    worker.once('exit', (status) => {
      if (reply !== undefined) resolve(reply);
      else reject(failure ?? new Error(`the layer unpack worker exited with status ${status} without an answer`));
    });
  });
}

/** The worker's error again in its category, or as a system error with its errno code. */
function rebuilt(carried: CarriedError): Error {
  const Category = carried.intermodal ? categories[carried.name] : undefined;
  if (Category) return new Category(carried.message);
  return Object.assign(new Error(carried.message), carried.code !== undefined ? { code: carried.code } : {});
}
