/**
 * The layer unpacker: turns one image layer (a tar, optionally compressed) into a directory
 * overlayfs can use as a lower layer. Layers come from registries and archives nobody here
 * vouches for, so this is where a hostile image is stopped: no entry may create, change or
 * link anything outside the target (see apply-entry.ts and layer-tree.ts for how), sizes
 * and entry counts are capped while streaming, and a refused layer leaves nothing behind.
 */
import fs from 'node:fs';
import type { LayerLimits } from '../config.js';
import { FailedPreconditionError, hasErrno } from '../errors.js';
import { decompressedSource, replayed, type LayerCompression } from './compression.js';
import { decodedBy, startDecoder } from './decoder-process.js';
import { unpackInWorker } from './unpack-in-worker.js';
import { unpackTar } from './unpack-tar.js';

/** What unpacking a layer found. */
export interface UnpackResult {
  /** 'sha256:<hex>' of the uncompressed tar bytes: the layer's diff ID. */
  diffId: string;
  /** Uncompressed tar bytes. */
  size: number;
  /** Archive entries, extension headers not counted. */
  entries: number;
  compression: LayerCompression;
  /**
   * Where the tar was read and the files made: on a worker thread when an external decoder
   * (igzip, zstd) decompresses the layer, so that a second core does it; on the calling
   * thread for a plain tar and for gzip decoded in-process by node:zlib.
   */
  unpackedOn: 'worker' | 'caller';
}

/** How unpackLayer goes about it. */
export interface UnpackOptions {
  /**
   * Compressed layers of at least this many bytes are unpacked on a worker thread; smaller
   * ones on the calling thread, where starting a worker (~30 ms) would cost more than it
   * saves. Default 1 MiB; 0 sends every externally decoded layer to the worker.
   */
  workerFrom?: number;
}

const defaultWorkerFrom = 1024 * 1024;

/**
 * Unpacks one image layer (tar, optionally compressed) into targetDir (created if missing;
 * must be empty), converting OCI whiteouts to overlayfs whiteouts. On any failure it removes
 * targetDir entirely and throws an error naming the offending entry: InvalidArgumentError for
 * a hostile or malformed archive, QuotaExceededError past `limits`. A targetDir that exists
 * and is not empty is refused with FailedPreconditionError and left alone.
 */
export async function unpackLayer(source: AsyncIterable<Buffer>, targetDir: string, limits: LayerLimits, options: UnpackOptions = {}): Promise<UnpackResult> {
  prepareTarget(targetDir);
  try {
    const { bytes, whole } = await peeked(source, options.workerFrom ?? defaultWorkerFrom);
    const found = await decompressedSource(bytes);
    if (!('decoder' in found)) return { ...(await unpackTar(found.stream, targetDir, limits)), compression: found.compression, unpackedOn: 'caller' };
    if (whole) {
      const stream = decodedBy(found.decoder, found.input, found.release);
      return { ...(await unpackTar(stream, targetDir, limits)), compression: found.compression, unpackedOn: 'caller' };
    }
    const decoder = await startDecoder(found.decoder, found.input, found.release);
    return { ...(await unpackInWorker(decoder, targetDir, limits)), compression: found.compression, unpackedOn: 'worker' };
  } catch (err) {
    fs.rmSync(targetDir, { recursive: true, force: true });
    throw err;
  }
}

/** Reads up to `atLeast` bytes ahead (one chunk at least); `whole` when that was all of it. */
async function peeked(source: AsyncIterable<Buffer>, atLeast: number): Promise<{ bytes: AsyncGenerator<Buffer>; whole: boolean }> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let total = 0;
  do {
    const next = await iterator.next();
    if (next.done) return { bytes: replayed(head, iterator), whole: true };
    head.push(next.value);
    total += next.value.length;
  } while (total < atLeast);
  return { bytes: replayed(head, iterator), whole: false };
}

function prepareTarget(targetDir: string): void {
  try {
    fs.mkdirSync(targetDir, { recursive: false, mode: 0o755 });
    return;
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) {
      fs.mkdirSync(targetDir, { recursive: true, mode: 0o755 });
      return;
    }
    if (!hasErrno(err, 'EEXIST')) throw err;
  }
  // The unpacker's safety rests on the target starting empty (see layer-tree.ts), and on it
  // being a real directory rather than a symlink to somewhere else.
  if (!fs.lstatSync(targetDir).isDirectory() || fs.readdirSync(targetDir).length > 0) {
    throw new FailedPreconditionError(`layer target '${targetDir}' exists and is not an empty directory`);
  }
}
