/**
 * Layer decompression, chosen by the stream's magic bytes rather than by the media type a
 * manifest claims: registries and `docker save` archives mislabel layers often enough that
 * the bytes are the better witness. gzip is decoded in-process by node:zlib; zstd by the
 * system `zstd` program, since Node 20 has no zstd decoder. Both stream with backpressure,
 * so a decompression bomb is stopped by whoever counts the output, with memory flat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { InvalidArgumentError, NotImplementedError } from '../errors.js';

/** The compressions a layer blob may use. */
export type LayerCompression = 'gzip' | 'zstd' | 'none';

/** A decompressed view of a stream, and the compression it was found to have. */
export interface DecompressedStream {
  compression: LayerCompression;
  stream: AsyncIterable<Buffer>;
}

const gzipMagic = [0x1f, 0x8b];
const zstdMagic = [0x28, 0xb5, 0x2f, 0xfd];
/** Bigger than zlib's 16 KiB default: fewer, larger chunks are cheaper for every consumer downstream. */
const chunkSize = 64 * 1024;

/**
 * Sniffs `source`'s compression from its first bytes and returns its decompressed bytes.
 * Corrupt compressed data fails the returned stream with InvalidArgumentError; zstd input
 * on a host without the `zstd` program fails here with NotImplementedError.
 */
export async function decompressedStream(source: AsyncIterable<Buffer>): Promise<DecompressedStream> {
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
  const replay = replayed(head, iterator);
  if (startsWith(start, gzipMagic)) return { compression: 'gzip', stream: gunzipped(replay) };
  if (startsWith(start, zstdMagic)) {
    try {
      await checkZstd();
    } catch (err) {
      // `replay` never started, so its own cleanup will not run; release the source here.
      await iterator.return?.();
      throw err;
    }
    return { compression: 'zstd', stream: unzstded(replay, async () => void (await iterator.return?.())) };
  }
  return { compression: 'none', stream: replay };
}

function startsWith(bytes: Buffer, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** The sniffed chunks, then the rest of the source; closing it early releases the source. */
async function* replayed(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
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
  const inflater = zlib.createGunzip({ chunkSize });
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
 * Fails with NotImplementedError unless the zstd program runs. The decoder itself starts
 * only when its output is read, so a stream nobody reads leaves no process behind.
 */
async function checkZstd(): Promise<void> {
  await started(spawn('zstd', ['-V'], { stdio: 'ignore' }));
}

async function started(child: ChildProcess): Promise<ChildProcess> {
  try {
    await once(child, 'spawn');
  } catch (err) {
    throw new NotImplementedError('layer is zstd-compressed, and decompressing it needs the zstd program, which is not on PATH (Debian: apt-get install zstd)', { cause: err });
  }
  return child;
}

/** zstd -dc over `input`; `release` frees the source if the decoder cannot even start. */
async function* unzstded(input: AsyncGenerator<Buffer>, release: () => Promise<void>): AsyncGenerator<Buffer> {
  let child: ChildProcess;
  try {
    child = await started(spawn('zstd', ['-dcq'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  } catch (err) {
    await release();
    throw err;
  }
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 4096) stderr += text;
  });
  let sourceError: unknown;
  const feed = Readable.from(input, { objectMode: false });
  feed.once('error', (err) => {
    sourceError = err;
    child.kill('SIGKILL');
  });
  // zstd exits early on corrupt input; the write error that follows says nothing its status does not.
  child.stdin!.on('error', () => undefined);
  feed.pipe(child.stdin!);
  try {
    for await (const chunk of child.stdout!) yield chunk as Buffer;
    const code = await exited;
    if (sourceError !== undefined) throw sourceError;
    if (code !== 0) throw new InvalidArgumentError(`layer is not valid zstd: ${stderr.trim() || `zstd exited with status ${code}`}`);
  } finally {
    feed.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
