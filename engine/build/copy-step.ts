/**
 * COPY and ADD: sources from the build context or another stage (`--from`), written into a
 * snapshot of the current image without a container, with Docker's destination rules (a
 * directory's contents go into the destination; a file goes to the destination, or into it
 * when it ends with '/' or is a directory). ADD also unpacks local tar archives (plain or
 * gzip or zstd compressed) through the engine's safe layer unpacker; remote sources are refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Engine } from '../engine.js';
import { InvalidArgumentError } from '../errors.js';
import type { ImageRecord } from '../images/image-store.js';
import { unpackLayer } from '../layers/unpack.js';
import { resolveUser } from '../runtime/spec/container-user.js';
import { type CopyEntry, type CopySources, type SourceRoot, collectSources } from './copy-sources.js';
import { type Instruction, jsonForm, lineError } from './dockerfile-parser.js';
import { type Ownership, writeEntries, writeEntry } from './rootfs-writer.js';
import { resolveInRoot } from './scoped-path.js';
import { writeInSnapshot } from './snapshot-step.js';
import { splitWords } from './variable-expansion.js';

/** What a COPY needs from the build. */
export interface CopyStepInput {
  engine: Engine;
  instruction: Instruction;
  /** Arguments after substitution. */
  args: string;
  /** `--chown` after substitution. */
  chown?: string;
  /** The image to write on, stored; called only when the step runs. */
  base: () => Promise<ImageRecord>;
  workdir: string;
  source: SourceRoot;
  /** Whether sources come from a stage or image (owners kept) rather than the context (owners root). */
  fromImage: boolean;
  escape: string;
  /** Returns the cached result for the content hash, or undefined to run the step. */
  cached: (contentHash: string) => Promise<ImageRecord | undefined>;
}

/** Runs the step (or takes it from the cache); returns the image and whether it was cached. */
export async function copyStep(input: CopyStepInput): Promise<{ image: ImageRecord; cached: boolean }> {
  const { instruction, engine } = input;
  const isAdd = instruction.keyword === 'ADD';
  const words = jsonForm(input.args) ?? splitWords(input.args, input.escape);
  if (words.length < 2) throw lineError(instruction.line, `${instruction.keyword} needs at least one source and a destination`);
  const destArg = words.at(-1)!;
  const sourceArgs = words.slice(0, -1);
  for (const s of sourceArgs) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@')) {
      throw lineError(instruction.line, `${instruction.keyword} from a URL ('${s}') is not supported: builds have no network yet; download it into the build context first`);
    }
  }
  const chmod = instruction.flags.chmod;
  if (chmod !== undefined && !/^[0-7]{3,4}$/.test(chmod)) throw lineError(instruction.line, `--chmod '${chmod}' must be an octal mode such as 0755`);
  let sources: CopySources;
  try {
    sources = collectSources(input.source, sourceArgs);
  } catch (err) {
    throw lineError(instruction.line, (err as Error).message);
  }
  const groupCount = sources.groups.length;
  if (groupCount > 1 && !destArg.endsWith('/')) throw lineError(instruction.line, `when ${instruction.keyword} has more than one source, the destination must be a directory ending with '/'`);
  const cached = await input.cached(sources.hash);
  if (cached) return { image: cached, cached: true };
  const dest = path.posix.isAbsolute(destArg) ? destArg : path.posix.join(input.workdir, destArg);
  const createdBy = `/bin/sh -c #(nop) ${instruction.keyword} ${sources.hash} in ${dest}`;
  const image = await writeInSnapshot(engine, await input.base(), { createdBy }, async (root) => {
    const owner: Ownership = input.chown !== undefined ? chownOwner(root, input.chown, instruction) : input.fromImage ? 'keep' : { uid: 0, gid: 0 };
    const withMode = (entries: CopyEntry[]): CopyEntry[] => (chmod === undefined ? entries : entries.map((e) => (e.kind === 'symlink' ? e : { ...e, mode: parseInt(chmod, 8) })));
    try {
      for (const group of sources.groups) {
        const archive = isAdd && !input.fromImage && group.entries.length === 1 && group.entries[0]!.kind === 'file' && isTarArchive(group.entries[0]!.source);
        if (archive) await extractArchive(engine, group.entries[0]!.source, root, dest, input.chown !== undefined ? owner : 'keep');
        else if (group.isDirectory) writeEntries(root, dest, withMode(group.entries), owner);
        else {
          const intoDir = destArg.endsWith('/') || isDirectoryIn(root, dest);
          writeEntry(root, intoDir ? path.posix.join(dest, group.name) : dest, withMode(group.entries)[0]!, owner);
        }
      }
    } catch (err) {
      throw lineError(instruction.line, `${instruction.keyword} failed: ${(err as Error).message}`);
    }
    return true;
  });
  return { image: image!, cached: false };
}

/** `--chown=user[:group]` through the image's /etc/passwd and /etc/group; a user alone gives gid = uid, as Docker. */
function chownOwner(root: string, chown: string, instruction: Instruction): { uid: number; gid: number } {
  try {
    const [userPart, groupPart] = chown.split(':');
    const user = resolveUser(root, userPart);
    if (groupPart === undefined) return { uid: user.uid, gid: user.uid };
    return { uid: user.uid, gid: resolveUser(root, `${userPart}:${groupPart}`).gid };
  } catch (err) {
    throw lineError(instruction.line, `--chown=${chown}: ${(err as Error).message}`);
  }
}

function isDirectoryIn(root: string, inside: string): boolean {
  try {
    return fs.statSync(resolveInRoot(root, inside)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A tar the layer unpacker reads: `ustar` at offset 257, plain or inside gzip (peeked at
 * by decompressing the first bytes), or zstd. Anything else ADD copies as it is, as Docker
 * does with a compressed file that is not an archive.
 */
function isTarArchive(file: string): boolean {
  const head = Buffer.alloc(65_536);
  const fd = fs.openSync(file, 'r');
  let n: number;
  try {
    n = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const isTar = (b: Buffer): boolean => b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar';
  if (n >= 4 && head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return true;
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    try {
      // SYNC_FLUSH: a truncated stream yields what it has instead of failing.
      return isTar(zlib.gunzipSync(head.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    } catch {
      return false;
    }
  }
  return isTar(head.subarray(0, n));
}

/** Unpacks with the layer unpacker (which refuses escaping entries) into scratch, then writes into the root. */
async function extractArchive(engine: Engine, file: string, root: string, dest: string, owner: Ownership): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'intermodal-add-'));
  try {
    const target = path.join(scratch, 'tree');
    try {
      await unpackLayer(fs.createReadStream(file), target, engine.config.layerLimits);
    } catch (err) {
      throw new InvalidArgumentError(`archive '${path.basename(file)}': ${(err as Error).message}`);
    }
    const tree = collectSources({ dir: target, label: 'archive' }, ['.']);
    writeEntries(root, dest, tree.groups[0]!.entries, owner);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
