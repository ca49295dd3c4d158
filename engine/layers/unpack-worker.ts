/**
 * The unpack worker thread's entry (started by unpack-in-worker.ts): the native unpacker
 * (engine/sys/native/sys-tar-*.c) reads the plain tar straight from the decoder's stdout
 * pipe, hashes it and creates the entries with the rules of unpack-tar.ts and
 * apply-entry.ts, on a core of its own while the calling thread downloads, verifies and
 * feeds the decoder. In C because the TypeScript loop spent about as long on its own
 * parsing, buffers and per-call overhead as on the system calls (bench/RESULTS.md).
 * It never closes the pipe: the thread that started it does, once this thread has exited.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LayerLimits } from '../config.js';
import { sys } from '../sys/index.js';
import type { TarUnpackResult } from './unpack-tar.js';

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

/** The native unpacker's error as it crosses: its `category` is the engine error it stands for. */
function carried(err: unknown): CarriedError {
  const e = err instanceof Error ? err : new Error(String(err));
  const { code, category } = e as Error & { code?: unknown; category?: unknown };
  if (typeof category === 'string') return { name: category, message: e.message, intermodal: true };
  return { name: e.name, message: e.message, intermodal: false, ...(typeof code === 'string' && { code }) };
}

const job = workerData as UnpackJob;
let reply: UnpackReply;
try {
  const { limits } = job;
  reply = { ok: sys.unpackTarFd(job.fd, job.targetDir, limits.maxLayerBytes, limits.maxLayerEntries, limits.allowDevices) };
} catch (err) {
  reply = { error: carried(err), reachedEnd: (err as { reachedEnd?: boolean }).reachedEnd === true };
}
parentPort!.postMessage(reply);
