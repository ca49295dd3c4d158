/**
 * An external decompressor (igzip, zstd) run as a child process: the compressed stream is
 * fed to its stdin from this thread, and its stdout is a raw pipe descriptor that whoever
 * consumes the plain bytes reads: this thread through a socket (decodedBy), or the unpack
 * worker thread directly (unpack-in-worker.ts), so that neither the decoder's output nor
 * the tar behind it passes through this thread's event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { Readable } from 'node:stream';
import { InvalidArgumentError, NotImplementedError } from '../errors.js';
import { sys } from '../sys/index.js';

/** An external decoder: reads the compressed stream on stdin, writes the plain bytes to stdout. */
export interface Decoder {
  program: string;
  args: string[];
  /** Named in errors. */
  format: 'gzip' | 'zstd';
}

export const igzipDecoder: Decoder = { program: 'igzip', args: ['-dcq'], format: 'gzip' };
export const zstdDecoder: Decoder = { program: 'zstd', args: ['-dcq'], format: 'zstd' };

/**
 * Kernel buffer of the pipes to and from a decoder. Their readers read only between other
 * work (file writes); with the 64 KiB default the decoder stalls while they are busy, then
 * they wait for the decoder, and the two take turns instead of overlapping (measured: 0.5 s
 * of 1.4 s idle for a 226 MB layer). The kernel may grant less.
 */
const pipeCapacity = 16 * 1024 * 1024;

/** A running decoder. */
export interface DecoderRun {
  /**
   * The read end of the decoder's stdout, a blocking pipe. Its reader owns it and closes it;
   * the decoder's output ends when it exits or is stopped.
   */
  stdoutFd: number;
  /**
   * Resolves once the decoder has exited cleanly. Rejects with the source's failure if the
   * compressed input failed, else with InvalidArgumentError if the decoder refused it.
   * Ask only after reading stdout to its end: until then the decoder may wait on the reader.
   */
  finished(): Promise<void>;
  /** Stops feeding and kills the decoder if it still runs; safe to call more than once. */
  stop(): void;
}

/** Fails with NotImplementedError naming the package to install when `child` cannot start. */
export async function started(child: ChildProcess, decoder: Pick<Decoder, 'program' | 'format'>): Promise<ChildProcess> {
  try {
    await once(child, 'spawn');
  } catch (err) {
    const { program, format } = decoder;
    throw new NotImplementedError(`layer is ${format}-compressed, and decompressing it needs the ${program} program, which is not on PATH (Debian: apt-get install ${program === 'igzip' ? 'isal' : program})`, { cause: err });
  }
  return child;
}

/** Starts `decoder` over `input`; `release` frees the source if the decoder cannot even start. */
export async function startDecoder(decoder: Decoder, input: AsyncGenerator<Buffer>, release: () => Promise<void>): Promise<DecoderRun> {
  let fds: { inRead: number; inWrite: number; outRead: number; outWrite: number };
  try {
    fds = deepPipes();
  } catch (err) {
    await release();
    throw err;
  }
  let child: ChildProcess;
  try {
    child = await started(spawn(decoder.program, decoder.args, { stdio: [fds.inRead, fds.outWrite, 'pipe'] }), decoder);
  } catch (err) {
    fs.closeSync(fds.inWrite);
    fs.closeSync(fds.outRead);
    await release();
    throw err;
  } finally {
    // The child has its own copies now (or never will); ours would keep its stdout from ending.
    fs.closeSync(fds.inRead);
    fs.closeSync(fds.outWrite);
  }
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 4096) stderr += text;
  });
  let sourceError: unknown;
  const stdin = new net.Socket({ fd: fds.inWrite, readable: false, writable: true });
  const feed = Readable.from(input, { objectMode: false });
  feed.once('error', (err) => {
    sourceError = err;
    child.kill('SIGKILL');
  });
  // A decoder exits early on corrupt input; the write error that follows says nothing its status does not.
  stdin.on('error', () => undefined);
  feed.pipe(stdin);
  return {
    stdoutFd: fds.outRead,
    async finished() {
      const code = await exited;
      if (sourceError !== undefined) throw sourceError;
      if (code !== 0) throw new InvalidArgumentError(`layer is not valid ${decoder.format}: ${stderr.trim() || `${decoder.program} exited with status ${code}`}`);
    },
    stop() {
      feed.destroy();
      stdin.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The decoder's output read on this thread. */
export async function* decodedBy(decoder: Decoder, input: AsyncGenerator<Buffer>, release: () => Promise<void>): AsyncGenerator<Buffer> {
  const run = await startDecoder(decoder, input, release);
  const stdout = new net.Socket({ fd: run.stdoutFd, readable: true, writable: false });
  try {
    for await (const chunk of stdout) yield chunk as Buffer;
    await run.finished();
  } finally {
    stdout.destroy();
    run.stop();
  }
}

/** Two pipes for stdin and stdout, both as deep as the kernel allows up to pipeCapacity. */
function deepPipes(): { inRead: number; inWrite: number; outRead: number; outWrite: number } {
  const [inRead, inWrite] = sys.pipeWithCapacity(pipeCapacity);
  try {
    const [outRead, outWrite] = sys.pipeWithCapacity(pipeCapacity);
    return { inRead, inWrite, outRead, outWrite };
  } catch (err) {
    fs.closeSync(inRead);
    fs.closeSync(inWrite);
    throw err;
  }
}
