/**
 * Layer decompression, chosen by the stream's magic bytes rather than by the media type a
 * manifest claims: registries and `docker save` archives mislabel layers often enough that
 * the bytes are the better witness. gzip is decoded by ISA-L's `igzip` when installed
 * (Debian: isal), which inflates about twice as fast as zlib and in a process of its own,
 * so the unpacker's writes overlap it; otherwise in-process by node:zlib. zstd by the
 * system `zstd` program, since Node 20 has no zstd decoder. All stream with backpressure,
 * so a decompression bomb is stopped by whoever counts the output, with memory flat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { InvalidArgumentError, NotImplementedError } from '../errors.js';
import { sys } from '../sys/index.js';

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
  const release = async (): Promise<void> => void (await iterator.return?.());
  if (startsWith(start, gzipMagic)) {
    if (!(await hasIgzip())) return { compression: 'gzip', stream: gunzipped(replay) };
    return { compression: 'gzip', stream: decodedBy(igzipDecoder, replay, release) };
  }
  if (startsWith(start, zstdMagic)) {
    try {
      await checkZstd();
    } catch (err) {
      // `replay` never started, so its own cleanup will not run; release the source here.
      await release();
      throw err;
    }
    return { compression: 'zstd', stream: decodedBy(zstdDecoder, replay, release) };
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

/** Whether `igzip` runs here; asked once per process. Set IM_NO_IGZIP=1 to use node:zlib. */
let igzipPresent: Promise<boolean> | undefined;
function hasIgzip(): Promise<boolean> {
  if (process.env.IM_NO_IGZIP === '1') return Promise.resolve(false);
  igzipPresent ??= once(spawn('igzip', ['-V'], { stdio: 'ignore' }), 'exit').then(([code]) => code === 0, () => false);
  return igzipPresent;
}

/**
 * Fails with NotImplementedError unless the zstd program runs. The decoder itself starts
 * only when its output is read, so a stream nobody reads leaves no process behind.
 */
async function checkZstd(): Promise<void> {
  await started(spawn('zstd', ['-V'], { stdio: 'ignore' }));
}

async function started(child: ChildProcess, decoder: Pick<Decoder, 'program' | 'format'> = zstdDecoder): Promise<ChildProcess> {
  try {
    await once(child, 'spawn');
  } catch (err) {
    const { program, format } = decoder;
    throw new NotImplementedError(`layer is ${format}-compressed, and decompressing it needs the ${program} program, which is not on PATH (Debian: apt-get install ${program === 'igzip' ? 'isal' : program})`, { cause: err });
  }
  return child;
}

/** An external decoder: reads the compressed stream on stdin, writes the plain bytes to stdout. */
interface Decoder {
  program: string;
  args: string[];
  /** Named in errors. */
  format: LayerCompression;
}

const igzipDecoder: Decoder = { program: 'igzip', args: ['-dcq'], format: 'gzip' };
const zstdDecoder: Decoder = { program: 'zstd', args: ['-dcq'], format: 'zstd' };

/**
 * Kernel buffer of the pipes to and from a decoder. The unpacker's thread reads and writes
 * them only between its own file writes; with node's 64 KiB default the decoder stalls while
 * it is busy, then the unpacker waits for the decoder, and the two take turns instead of
 * overlapping (measured: 0.5 s of 1.4 s idle for a 226 MB layer). The kernel may grant less.
 */
const pipeCapacity = 16 * 1024 * 1024;

/** The decoder's stdin and stdout as deep pipes; `childEnds` go to spawn, then are closed here. */
function decoderPipes(): { childEnds: [number, number]; stdin: net.Socket; stdout: net.Socket } {
  const [inRead, inWrite] = sys.pipeWithCapacity(pipeCapacity);
  let out: [number, number];
  try {
    out = sys.pipeWithCapacity(pipeCapacity);
  } catch (err) {
    fs.closeSync(inRead);
    fs.closeSync(inWrite);
    throw err;
  }
  const [outRead, outWrite] = out;
  return {
    childEnds: [inRead, outWrite],
    stdin: new net.Socket({ fd: inWrite, readable: false, writable: true }),
    stdout: new net.Socket({ fd: outRead, readable: true, writable: false }),
  };
}

/** `decoder` over `input`; `release` frees the source if the decoder cannot even start. */
async function* decodedBy(decoder: Decoder, input: AsyncGenerator<Buffer>, release: () => Promise<void>): AsyncGenerator<Buffer> {
  let pipes: ReturnType<typeof decoderPipes>;
  try {
    pipes = decoderPipes();
  } catch (err) {
    await release();
    throw err;
  }
  let child: ChildProcess;
  try {
    child = await started(spawn(decoder.program, decoder.args, { stdio: [...pipes.childEnds, 'pipe'] }), decoder);
  } catch (err) {
    pipes.stdin.destroy();
    pipes.stdout.destroy();
    await release();
    throw err;
  } finally {
    // The child has its own copies now (or never will); ours would keep its stdout from ending.
    for (const fd of pipes.childEnds) fs.closeSync(fd);
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
  // A decoder exits early on corrupt input; the write error that follows says nothing its status does not.
  pipes.stdin.on('error', () => undefined);
  feed.pipe(pipes.stdin);
  try {
    for await (const chunk of pipes.stdout) yield chunk as Buffer;
    const code = await exited;
    if (sourceError !== undefined) throw sourceError;
    if (code !== 0) throw new InvalidArgumentError(`layer is not valid ${decoder.format}: ${stderr.trim() || `${decoder.program} exited with status ${code}`}`);
  } finally {
    feed.destroy();
    pipes.stdin.destroy();
    pipes.stdout.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
