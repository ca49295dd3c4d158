/**
 * Image data in and out. An upload of a `docker` image (a `docker save` tarball), or of
 * a `bare`/`ova` image that turns out to be an image archive (an OCI layout tarball), is
 * loaded into the engine's store as it streams in, so it boots at once and its layers are
 * stored once. Anything else (raw or qcow2 disks) is kept as an opaque file and is not
 * bootable. A download of an engine-backed image is made by the engine's save in the
 * format it came in: a docker-archive (`docker load` reads it) for `docker`, an OCI layout
 * tarball for `bare`/`ova`. Save is deterministic, so the archive's md5 is computed by one
 * pass, remembered, and sent as Content-MD5 before the bytes of the next pass.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Engine } from '../../engine/engine.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import { loadImageArchive } from '../../engine/images/archive/load.js';
import { collectGarbage } from '../../engine/images/garbage-collector.js';
import { TarSink } from '../../engine/images/archive/layout-sink.js';
import { saveDockerArchive, type SaveItem } from '../../engine/images/archive/save-docker-archive.js';
import { saveOciLayout } from '../../engine/images/archive/save-oci-layout.js';
import type { ImageRecord } from '../../engine/images/image-store.js';
import { DataDigests, digestingSource } from './data-digests.js';
import type { GlanceImage } from './glance-image.js';
import type { GlanceRecords } from './glance-records.js';

/** Glance's default image_size_cap: 1 TiB. */
export const defaultMaxImageBytes = 1024 ** 4;

/** Image bytes ready to send. */
export interface ImageData {
  size: number;
  md5: string;
  /** Opens the bytes; call once per response. */
  open(): Readable;
}

/** Where opaque image files live. */
export function opaqueDataDir(engine: Engine): string {
  return path.join(engine.config.dataDir, 'image-data');
}

/**
 * Stores the data of a queued image from `source`. On any failure the image is queued
 * again (as Glance does) and nothing is left: no engine image, no partial file.
 */
export async function storeImageData(engine: Engine, records: GlanceRecords, image: GlanceImage, source: AsyncIterable<Buffer>, maxBytes = defaultMaxImageBytes): Promise<GlanceImage> {
  if (!image.containerFormat || !image.diskFormat) throw new InvalidArgumentError('Properties container_format and disk_format must be set prior to saving data.');
  const started = Date.now();
  const saving: GlanceImage = { ...image, status: 'saving', updatedAt: new Date(started) };
  if (!records.update(saving, 'queued')) throw new FailedPreconditionError(`Image status transition from ${image.status} to saving is not allowed: data can be uploaded only to a queued image.`);
  const dir = opaqueDataDir(engine);
  const file = path.join(dir, image.id);
  try {
    const digests = new DataDigests(maxBytes);
    const input = digestingSource(source, digests);
    let loaded: ImageRecord | undefined;
    if (image.containerFormat === 'docker') {
      loaded = await asUploadError(() => loadImageArchive(engine, input));
      await input.drain();
    } else {
      await writeFileAtomically(dir, file, input);
      if ((image.containerFormat === 'bare' || image.containerFormat === 'ova') && looksLikeArchive(file)) loaded = await tryLoad(engine, file);
      if (loaded) fs.rmSync(file, { force: true });
    }
    const backed: GlanceImage = loaded === undefined ? saving : { ...saving, engineImageId: loaded.id, exportRefs: loaded.refs };
    // Clients verify a download against these, so an engine image's are those of the archive it downloads as.
    const sums = loaded === undefined ? digests.digest() : await archiveDigest(engine, records, backed, loaded);
    const active: GlanceImage = {
      ...backed, status: 'active', size: sums.size, checksum: sums.md5, osHashValue: sums.sha512,
      opaqueData: loaded === undefined, updatedAt: new Date(),
    };
    if (!records.update(active, 'saving')) {
      // Deleted while the data streamed in: the record is gone, so is its file, and an engine
      // image this upload made goes too, or the next list would publish it as a store image.
      fs.rmSync(file, { force: true });
      if (loaded !== undefined) {
        records.deleteSyncedSince(loaded.id, started);
        removeIfOrphan(engine, records, loaded, started);
      }
      throw new NotFoundError(`Image ${image.id} was deleted during the upload.`);
    }
    // A list that ran while the archive loaded may have given the new engine image a record of its own.
    if (loaded !== undefined) records.deleteSyncedSince(loaded.id, started);
    return active;
  } catch (err) {
    fs.rmSync(file, { force: true });
    records.update({ ...image, status: 'queued', updatedAt: new Date() }, 'saving');
    throw err;
  }
}

/** Removes an engine image made at or after `since` that no record and no container uses. */
function removeIfOrphan(engine: Engine, records: GlanceRecords, loaded: ImageRecord, since: number): void {
  if (loaded.createdAt.getTime() < since || records.byEngineImage(loaded.id).length > 0 || engine.images.users(loaded.id).length > 0) return;
  engine.images.remove(loaded.id, { force: true });
  collectGarbage(engine);
}

/** The bytes of an image, or undefined when it has no data yet (Glance answers 204). */
export async function openImageData(engine: Engine, records: GlanceRecords, image: GlanceImage): Promise<ImageData | undefined> {
  if (image.engineImageId !== undefined) return archiveData(engine, records, image, engine.images.get(image.engineImageId));
  if (!image.opaqueData) return undefined;
  const file = path.join(opaqueDataDir(engine), image.id);
  if (!fs.existsSync(file)) throw new NotFoundError(`The data of image ${image.id} is missing from the store.`);
  return { size: image.size ?? fs.statSync(file).size, md5: image.checksum ?? '', open: () => fs.createReadStream(file, { highWaterMark: 256 * 1024 }) };
}

/** Removes the partial files of uploads that a stopped process left (call before any upload starts). */
export function removePartialFiles(engine: Engine): void {
  const dir = opaqueDataDir(engine);
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) if (name.includes('.part-')) fs.rmSync(path.join(dir, name), { force: true });
}

/** Removes an opaque image's file. */
export function removeOpaqueData(engine: Engine, id: string): void {
  fs.rmSync(path.join(opaqueDataDir(engine), id), { force: true });
}

/** Writes an engine image as the archive its container format calls for. */
function saveArchive(engine: Engine, format: 'docker' | 'oci', items: SaveItem[], out: Writable): Promise<void> {
  return format === 'docker' ? saveDockerArchive(engine, items, out) : saveOciLayout(engine, items, new TarSink(out));
}

/** The archive format a download of an engine-backed image uses. */
const formatOf = (image: GlanceImage): 'docker' | 'oci' => (image.containerFormat === 'bare' || image.containerFormat === 'ova' ? 'oci' : 'docker');

/** What a download of `image` saves: its engine image under the names fixed for it. */
const saveItemsOf = (image: GlanceImage, engineImage: ImageRecord): SaveItem[] => [{ image: engineImage, refs: image.exportRefs ?? engineImage.refs }];

const exportKey = (image: GlanceImage, engineImage: ImageRecord): string => `${formatOf(image)} ${engineImage.id} ${(image.exportRefs ?? engineImage.refs).join(',')}`;

/** md5, sha512 and size of the archive `image` downloads as: computed by one save pass, then remembered. */
export async function archiveDigest(engine: Engine, records: GlanceRecords, image: GlanceImage, engineImage: ImageRecord): Promise<{ md5: string; sha512: string; size: number }> {
  const key = exportKey(image, engineImage);
  const known = records.exportDigest(key);
  if (known) return known;
  const digests = new DataDigests();
  await saveArchive(engine, formatOf(image), saveItemsOf(image, engineImage), new Writable({ write(chunk: Buffer, _enc, done) { digests.update(chunk); done(); } }));
  const sums = digests.digest();
  records.saveExportDigest(key, sums);
  return sums;
}

async function archiveData(engine: Engine, records: GlanceRecords, image: GlanceImage, engineImage: ImageRecord): Promise<ImageData> {
  const format = formatOf(image);
  const items = saveItemsOf(image, engineImage);
  const key = exportKey(image, engineImage);
  const sums = await archiveDigest(engine, records, image, engineImage);
  // Images found in the engine store or snapshotted get their checksums from their first export.
  if (image.checksum === null) {
    records.update({ ...image, checksum: sums.md5, osHashValue: sums.sha512, size: sums.size, updatedAt: new Date() }, image.status);
  }
  const expected = sums;
  return {
    size: expected.size,
    md5: expected.md5,
    open() {
      const out = new PassThrough({ highWaterMark: 256 * 1024 });
      const check = crypto.createHash('md5');
      const verify = new Transform({
        transform(chunk: Buffer, _enc, done) { check.update(chunk); done(null, chunk); },
        flush(done) {
          // Should the archive ever differ from the remembered one, forget its md5 so the next download recomputes it.
          if (check.digest('hex') !== expected.md5) records.forgetExportDigest(key);
          done();
        },
      });
      saveArchive(engine, format, items, verify).catch((err: Error) => out.destroy(err));
      verify.pipe(out);
      verify.on('error', (err) => out.destroy(err));
      // A client that goes away mid-download stops the save instead of leaving it stalled on backpressure.
      out.on('close', () => { if (!verify.writableFinished) verify.destroy(); });
      return out;
    },
  };
}

async function writeFileAtomically(dir: string, file: string, source: AsyncIterable<Buffer>): Promise<void> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const part = `${file}.part-${process.pid}`;
  try {
    await pipeline(source, fs.createWriteStream(part, { mode: 0o600 }));
    fs.renameSync(part, file);
  } catch (err) {
    fs.rmSync(part, { force: true });
    throw err;
  }
}

/**
 * Loads an uploaded archive. Whatever the archive lacks (a layer its manifest names) is
 * the upload's fault, so the engine's NotFoundError becomes an InvalidArgumentError.
 */
async function asUploadError(load: () => Promise<ImageRecord[]>): Promise<ImageRecord> {
  try {
    return (await load())[0]!;
  } catch (err) {
    if (err instanceof NotFoundError) throw new InvalidArgumentError(`the uploaded image archive is incomplete: ${err.message}`, { cause: err });
    throw err;
  }
}

/** A tar (ustar magic at 257) or a gzip stream: worth trying as an image archive. */
function looksLikeArchive(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(262);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
    return n >= 262 && head.toString('latin1', 257, 262) === 'ustar';
  } finally {
    fs.closeSync(fd);
  }
}

/** Loads `file` as an image archive; undefined when it is not one (it then stays opaque data). */
async function tryLoad(engine: Engine, file: string): Promise<ImageRecord | undefined> {
  try {
    return (await loadImageArchive(engine, fs.createReadStream(file, { highWaterMark: 256 * 1024 })))[0];
  } catch (err) {
    if (err instanceof InvalidArgumentError || err instanceof NotFoundError) return undefined;
    throw err;
  }
}
