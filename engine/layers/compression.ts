/**
 * Layer decompression, chosen by the stream's magic bytes rather than by the media type a
 * manifest claims: registries and `docker save` archives mislabel layers often enough that
 * the bytes are the better witness. gzip is decoded by ISA-L's `igzip` when installed
 * (Debian: isal), which inflates about twice as fast as zlib and in a process of its own,
 * whose output the unpacker reads on a worker thread (decoder-process.ts,
 * unpack-in-worker.ts); otherwise in-process by node:zlib. zstd by the
 * system `zstd` program, since Node 20 has no zstd decoder. All stream with backpressure,
 * so a decompression bomb is stopped by whoever counts the output, with memory flat.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { InvalidArgumentError } from '../errors.js';
import { decodedBy, igzipDecoder, started, zstdDecoder, type Decoder } from './decoder-process.js';

/** The compressions a layer blob may use. */
export type LayerCompression = 'gzip' | 'zstd' | 'none';

/** A decompressed view of a stream, and the compression it was found to have. */
export interface DecompressedStream {
  compression: LayerCompression;
  stream: AsyncIterable<Buffer>;
}

/**
 * A stream that an external decoder is to decompress, not started yet: startDecoder (see
 * decoder-process.ts) runs it, and its output may then be read on any thread.
 */
export interface ProcessDecodable {
  compression: LayerCompression;
  decoder: Decoder;
  /** The compressed bytes, to be fed to the decoder. */
  input: AsyncGenerator<Buffer>;
  /** Frees the source when the decoder cannot start (`input` was never read). */
  release: () => Promise<void>;
}

const gzipMagic = [0x1f, 0x8b];
const zstdMagic = [0x28, 0xb5, 0x2f, 0xfd];
/** Bigger than zlib's 16 KiB default: fewer, larger chunks are cheaper for every consumer downstream. */
const chunkSize = 64 * 1024;
/**
 * Decompressed bytes zlib may hold ready ahead of the reader. Inflating runs on libuv's
 * thread pool, so with room to run ahead it works while the unpacker writes files instead
 * of taking turns with it (node's default room is one chunk).
 */
const readAhead = Number(process.env.IM_HWM ?? 4 * 1024 * 1024);

/**
 * Sniffs `source`'s compression from its first bytes and returns its decompressed bytes.
 * Corrupt compressed data fails the returned stream with InvalidArgumentError; zstd input
 * on a host without the `zstd` program fails here with NotImplementedError.
 */
export async function decompressedStream(source: AsyncIterable<Buffer>): Promise<DecompressedStream> {
  const found = await decompressedSource(source);
  if (!('decoder' in found)) return found;
  return { compression: found.compression, stream: decodedBy(found.decoder, found.input, found.release) };
}

/**
 * As decompressedStream, except that a stream an external decoder decompresses is handed
 * back undecoded, for the caller to start the decoder and read its output where it likes.
 */
export async function decompressedSource(source: AsyncIterable<Buffer>): Promise<DecompressedStream | ProcessDecodable> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < zstdMagic.length) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headBytes += next.value.length;
  }
  const start = Buffer.concat(head.map((chunk) => chunk.subarray(0, zstdMagic.length))).subarray(0, zstdMagic.length);
  const input = replayed(head, iterator);
  const release = async (): Promise<void> => void (await iterator.return?.());
  if (startsWith(start, gzipMagic)) {
    if (!(await hasIgzip())) return { compression: 'gzip', stream: gunzipped(input) };
    return { compression: 'gzip', decoder: igzipDecoder, input, release };
  }
  if (startsWith(start, zstdMagic)) {
    try {
      await checkZstd();
    } catch (err) {
      // `input` never started, so its own cleanup will not run; release the source here.
      await release();
      throw err;
    }
    return { compression: 'zstd', decoder: zstdDecoder, input, release };
  }
  return { compression: 'none', stream: input };
}

function startsWith(bytes: Buffer, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** The sniffed chunks, then the rest of the source; closing it early releases the source. */
export async function* replayed(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  let done = false;
  try {
    yield* head;
    for (;;) {
      const next = await rest.next();
      if (next.done) break;
      yield next.value;
    }
    done = true;
  } finally {
    if (!done) await rest.return?.();
  }
}

async function* gunzipped(input: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const feed = Readable.from(input, { objectMode: false });
  // Stream options reach zlib's Transform, though ZlibOptions does not list them.
  const inflater = zlib.createGunzip({ chunkSize, readableHighWaterMark: readAhead } as zlib.ZlibOptions);
  feed.once('error', (err) => inflater.destroy(err));
  feed.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (err) {
    // zlib's own errors carry Z_* codes; anything else came from the source and stays as it is.
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new InvalidArgumentError(`layer is not valid gzip: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  } finally {
    feed.destroy();
    inflater.destroy();
  }
}

/**
 * Whether `igzip` is on PATH; looked up once per process. Set IM_NO_IGZIP=1 to use
 * node:zlib. A lookup rather than running `igzip -V`: that probe cost a process start
 * (10-30 ms) on every pull's critical path, before the first layer byte was decoded.
 */
let igzipPresent: Promise<boolean> | undefined;
function hasIgzip(): Promise<boolean> {
  if (process.env.IM_NO_IGZIP === '1') return Promise.resolve(false);
  igzipPresent ??= Promise.resolve(onPath('igzip'));
  return igzipPresent;
}

/** True when an executable `name` is in one of PATH's directories. */
function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    if (dir === '') return false;
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return fs.statSync(path.join(dir, name)).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * Fails with NotImplementedError unless the zstd program runs. The decoder itself starts
 * only when its output is read, so a stream nobody reads leaves no process behind.
 */
async function checkZstd(): Promise<void> {
  await started(spawn('zstd', ['-V'], { stdio: 'ignore' }), zstdDecoder);
}
