/**
 * Runs a layer's unpacking (tar parsing, diff ID hashing, file creation) on a thread of its
 * own that reads the decoder's output pipe itself, so that it uses a second core while this
 * thread downloads, stores and verifies the blob and feeds the decoder. The unpacker there
 * is native (engine/sys/native/sys-tar-*.c, same rules and messages as unpack-tar.ts and
 * apply-entry.ts): the TypeScript loop spent about as long on its own parsing, buffers and
 * per-call overhead as on the system calls, and a Node worker thread cost a JS isolate's
 * boot (~25 ms and its compiler threads) per layer. Errors come back in the category the
 * unpacker chose (a refused entry is still an InvalidArgumentError naming the entry), and
 * the decoder's verdict on its input is given the same precedence as when the output is
 * read on this thread (decoder-process.ts).
 */
import fs from 'node:fs';
import type { LayerLimits } from '../config.js';
import { InvalidArgumentError, QuotaExceededError, type IntermodalError } from '../errors.js';
import { sys } from '../sys/index.js';
import type { DecoderRun } from './decoder-process.js';
import type { TarUnpackResult } from './unpack-tar.js';

/** The native unpacker's failure: an engine error category, or an errno code. */
interface NativeUnpackError extends Error {
  category?: 'InvalidArgumentError' | 'QuotaExceededError';
  code?: string;
  /** The pipe was read to its end before the failure. */
  reachedEnd: boolean;
}

const categories: Record<string, new (message: string) => IntermodalError> = { InvalidArgumentError, QuotaExceededError };

/**
 * Unpacks the tar that `decoder` writes into `targetDir` (existing, empty) on a thread of
 * its own. Resolves or rejects only once that thread is done with `targetDir`, so nothing
 * writes into it afterwards; the caller removes it on failure. The decoder is stopped and
 * its output pipe closed either way.
 */
export async function unpackInWorker(decoder: DecoderRun, targetDir: string, limits: LayerLimits): Promise<TarUnpackResult> {
  let outcome: { ok: TarUnpackResult } | { error: NativeUnpackError };
  try {
    outcome = await new Promise((resolve) => {
      sys.unpackTarFd(decoder.stdoutFd, targetDir, limits.maxLayerBytes, limits.maxLayerEntries, limits.allowDevices, (error, result) => {
        resolve(error ? { error: error as NativeUnpackError } : { ok: result! });
      });
    });
  } catch (err) {
    // The thread could not even start.
    decoder.stop();
    throw err;
  } finally {
    fs.closeSync(decoder.stdoutFd);
  }
  if ('error' in outcome && !outcome.error.reachedEnd) {
    // The unpacker stopped reading part way: its error is the story, and the decoder is stopped.
    decoder.stop();
    throw rebuilt(outcome.error);
  }
  // The output was read to its end: a failed download or a corrupt stream explains a
  // truncated tar better than the tar reader can, so the decoder's verdict comes first.
  try {
    await decoder.finished();
  } finally {
    decoder.stop();
  }
  if ('error' in outcome) throw rebuilt(outcome.error);
  return outcome.ok;
}

/** The native error in its engine category, or as a system error with its errno code. */
function rebuilt(error: NativeUnpackError): Error {
  const Category = error.category ? categories[error.category] : undefined;
  if (Category) return new Category(error.message);
  return Object.assign(new Error(error.message), error.code !== undefined ? { code: error.code } : {});
}
