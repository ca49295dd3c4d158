/**
 * The Glance side of the image translator: Glance image records over the engine's image
 * store. Every engine image (loaded by the CLI, pulled, pushed to our registry, committed)
 * is a Glance image: a record is made for it the first time a list sees it (owner the
 * admin project, public, named after its first tag), and a record whose engine image was
 * removed behind its back (`intermodal rmi`) goes with it. Uploads and snapshots make
 * engine images through the engine's own load and commit, so layers are stored once.
 *
 * Nova uses `find`, `list`, `bootReference` and the snapshot trio; the Glance API uses
 * the rest. All policy is decided here from the caller's context.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CloudDatabase } from '../../api/http/cloud-database.js';
import type { RequestContext } from '../../api/http/request-context.js';
import type { Engine } from '../../engine/engine.js';
import { AlreadyExistsError, FailedPreconditionError, ForbiddenError, InvalidArgumentError, NotFoundError, QuotaExceededError } from '../../engine/errors.js';
import { collectGarbage } from '../../engine/images/garbage-collector.js';
import { type ImageRecord, shortId } from '../../engine/images/image-store.js';
import { applyChanges, type ImageChange, isUuid, maxTags } from './glance-changes.js';
import type { GlanceImage } from './glance-image.js';
import { canSee, isAdminContext, requireCreate, requireWrite } from './glance-policy.js';
import { type GlanceListFilters, queryImages } from './glance-query.js';
import { GlanceRecords } from './glance-records.js';
import { defaultMaxImageBytes, type ImageData, openImageData, removeOpaqueData, removePartialFiles, storeImageData } from './image-data.js';
import { registryReferenceOf, runRegistryImport } from './registry-import.js';

export interface GlanceImagesOptions {
  /** The project that owns images found in the engine store (the admin project). */
  adminProjectId?: () => string | undefined;
  /** Largest upload accepted, in bytes. */
  maxImageBytes?: number;
}

/** Glance images: records, policy, data, and the engine images behind them. */
export class GlanceImages {
  readonly records: GlanceRecords;

  constructor(db: CloudDatabase, readonly engine: Engine, private readonly options: GlanceImagesOptions = {}) {
    this.records = new GlanceRecords(db);
  }

  /**
   * Settles what a stopped server left: an upload or import it was running when it stopped
   * cannot finish, so its image is queued again (what such a load stored was leased by the
   * dead process and is collected by the engine's recovery), and a snapshot still queued
   * has failed. Call once, at server start.
   */
  recover(): string[] {
    const stuck = this.records.inFlight();
    for (const image of stuck) {
      // A snapshot whose commit died with the server failed; an upload or import can be tried again.
      const next: GlanceImage = image.status === 'queued'
        ? { ...image, status: 'killed', statusReason: 'the snapshot was interrupted by a server restart', updatedAt: new Date() }
        : { ...image, status: 'queued', statusReason: 'interrupted by a server restart', updatedAt: new Date() };
      this.records.update(next, image.status);
      removeOpaqueData(this.engine, image.id);
    }
    removePartialFiles(this.engine);
    return stuck.map((image) => image.id);
  }

  /** The image `id` as `ctx` may see it; NotFoundError otherwise (also for ids that are not UUIDs). */
  find(ctx: RequestContext, id: string): GlanceImage {
    const image = isUuid(id) ? this.current(id.toLowerCase()) : undefined;
    if (!image || !canSee(ctx, image, this.isMember(image.id, ctx.projectId))) throw new NotFoundError(`No image found with ID ${id}`);
    return image;
  }

  /** The images `ctx` sees, filtered, sorted and paged as `GET /v2/images` asks. */
  list(ctx: RequestContext, filters: GlanceListFilters = {}): GlanceImage[] {
    this.sync();
    const candidates = this.records.all(isAdminContext(ctx) ? undefined : (ctx.projectId ?? ''));
    return queryImages(ctx, candidates, (id) => this.records.members(id), filters);
  }

  /** Creates a queued image from a POST body: known keys are attributes, any other key a string property. */
  create(ctx: RequestContext, body: Record<string, unknown>): GlanceImage {
    const owner = requireCreate(ctx);
    const now = new Date();
    const base: GlanceImage = {
      id: randomUUID(), name: null, owner, visibility: 'shared', status: 'queued', containerFormat: null, diskFormat: null,
      size: null, checksum: null, osHashValue: null, minRam: 0, minDisk: 0, protected: false, osHidden: false, tags: [], properties: {},
      opaqueData: false, origin: 'api', createdAt: now, updatedAt: now,
    };
    const changes: ImageChange[] = Object.entries(body).map(([key, value]) => ({ op: 'add', path: [key], value }));
    const image = applyChanges(base, changes, { isAdmin: isAdminContext(ctx), projectId: owner, creating: true });
    // The `docker_image` property is a shortcut for a web-download import of that registry image.
    const dockerImage = image.properties.docker_image;
    const uri = dockerImage === undefined ? undefined : `docker://${dockerImage.replace(/^docker:\/\//, '')}`;
    if (uri !== undefined) registryReferenceOf(uri);
    if (this.records.get(image.id)) throw new AlreadyExistsError(`An image with identifier ${image.id} already exists`);
    this.records.insert(image);
    if (uri === undefined) return image;
    this.startImport(ctx, image.id, { name: 'web-download', uri });
    return this.records.get(image.id) ?? image;
  }

  /** Applies PATCH changes; all or nothing. */
  update(ctx: RequestContext, id: string, changes: ImageChange[]): GlanceImage {
    const image = this.find(ctx, id);
    requireWrite(ctx, image);
    const next = applyChanges(image, changes, { isAdmin: isAdminContext(ctx), ...(ctx.projectId !== undefined && { projectId: ctx.projectId }), creating: false });
    next.updatedAt = new Date();
    this.records.update(next);
    return next;
  }

  /**
   * Deletes an image. The engine image behind it goes too when no other record uses it;
   * while a container runs from it the delete is refused (409). Shared layers stay.
   */
  delete(ctx: RequestContext, id: string): void {
    const image = this.find(ctx, id);
    requireWrite(ctx, image, 'delete');
    if (image.protected) throw new ForbiddenError(`Image ${image.id} is protected and cannot be deleted.`);
    const engineId = image.engineImageId;
    if (engineId !== undefined && this.records.byEngineImage(engineId).every((r) => r.id === image.id) && this.engineImage(engineId)) {
      const users = this.engine.images.users(engineId);
      if (users.length > 0) throw new FailedPreconditionError(`Image ${image.id} is in use by container ${users[0]} and cannot be deleted.`);
      this.engine.images.remove(engineId, { force: true });
      collectGarbage(this.engine);
    }
    this.records.delete(image.id);
    removeOpaqueData(this.engine, image.id);
  }

  addTag(ctx: RequestContext, id: string, tag: string): void {
    const image = this.find(ctx, id);
    requireWrite(ctx, image);
    if (tag.length === 0 || tag.length > 255) throw new InvalidArgumentError('A tag is 1 to 255 characters long.');
    if (image.tags.includes(tag)) return;
    if (image.tags.length >= maxTags) throw new QuotaExceededError(`Maximum number of tags (${maxTags}) exceeded.`);
    this.records.update({ ...image, tags: [...image.tags, tag], updatedAt: new Date() });
  }

  removeTag(ctx: RequestContext, id: string, tag: string): void {
    const image = this.find(ctx, id);
    requireWrite(ctx, image);
    if (!image.tags.includes(tag)) throw new NotFoundError(`Tag ${tag} not found on image ${image.id}.`);
    this.records.update({ ...image, tags: image.tags.filter((t) => t !== tag), updatedAt: new Date() });
  }

  /** Deactivates an active image (its data can then be downloaded by admins only). */
  deactivate(ctx: RequestContext, id: string): void {
    this.setActive(ctx, id, false);
  }

  reactivate(ctx: RequestContext, id: string): void {
    this.setActive(ctx, id, true);
  }

  /** Streams `source` in as the image's data (see image-data.ts). */
  async upload(ctx: RequestContext, id: string, source: AsyncIterable<Buffer>): Promise<GlanceImage> {
    const image = this.find(ctx, id);
    requireWrite(ctx, image, 'upload data to');
    return storeImageData(this.engine, this.records, image, source, this.options.maxImageBytes ?? defaultMaxImageBytes);
  }

  /**
   * Starts a `web-download` import of a `docker://` URI into a queued image; resolves once
   * the image is `importing`, with the pull's promise (it never rejects) for whoever waits.
   */
  startImport(ctx: RequestContext, id: string, method: { name?: unknown; uri?: unknown }): { done: Promise<void> } {
    const image = this.find(ctx, id);
    requireWrite(ctx, image, 'import data to');
    if (method.name !== 'web-download') throw new InvalidArgumentError(`Import method '${String(method.name)}' is not supported: use web-download with a docker:// URI.`);
    const reference = registryReferenceOf(method.uri);
    const importing: GlanceImage = { ...image, status: 'importing', updatedAt: new Date() };
    if (!this.records.update(importing, 'queued')) throw new FailedPreconditionError(`Image ${image.id} is ${image.status}: only a queued image can be imported into.`);
    return { done: runRegistryImport(this.engine, this.records, importing, reference) };
  }

  /** The image's bytes, or undefined when it has none yet. */
  async download(ctx: RequestContext, id: string): Promise<ImageData | undefined> {
    const image = this.find(ctx, id);
    if (image.status === 'deactivated' && !isAdminContext(ctx)) throw new ForbiddenError('The requested image has been deactivated. Image data download is forbidden.');
    if (image.status !== 'active' && image.status !== 'deactivated') return undefined;
    return openImageData(this.engine, this.records, image);
  }

  /** The engine image to boot; InvalidArgumentError when the image is not an active engine image. */
  bootReference(image: GlanceImage): string;
  bootReference(ctx: RequestContext, id: string): string;
  bootReference(imageOrCtx: GlanceImage | RequestContext, id?: string): string {
    const image = id === undefined ? (imageOrCtx as GlanceImage) : this.find(imageOrCtx as RequestContext, id);
    if (image.status !== 'active') throw new InvalidArgumentError(`Image ${image.id} is not active (status ${image.status}).`);
    if (image.engineImageId === undefined || !this.engineImage(image.engineImageId)) {
      throw new InvalidArgumentError(`Image ${image.id} is not bootable: its data is a ${image.diskFormat ?? 'opaque'} disk, not a container image.`);
    }
    return image.engineImageId;
  }

  /** A queued snapshot record, listed at once; completed or failed when the commit ends. */
  createSnapshotRecord(ctx: RequestContext, input: { name: string; properties: Record<string, string>; minRam: number; minDisk: number }): GlanceImage {
    const owner = requireCreate(ctx);
    for (const [key, value] of Object.entries(input.properties)) {
      if (typeof value !== 'string') throw new InvalidArgumentError(`Image property '${key}' must be a string.`);
    }
    const now = new Date();
    const image: GlanceImage = {
      id: randomUUID(), name: input.name, owner, visibility: 'private', status: 'queued', containerFormat: 'docker', diskFormat: 'raw',
      size: null, checksum: null, osHashValue: null, minRam: input.minRam, minDisk: input.minDisk, protected: false, osHidden: false, tags: [],
      properties: { ...input.properties, image_type: 'snapshot' }, opaqueData: false, origin: 'snapshot', createdAt: now, updatedAt: now,
    };
    this.records.insert(image);
    return image;
  }

  /** Marks a snapshot active over the engine image its commit made. */
  completeSnapshot(id: string, engineImageId: string): void {
    const image = this.records.get(id);
    if (!image) {
      // The snapshot was deleted while the commit ran: its image must not stay to be listed as a public store image.
      this.discardCommitted(engineImageId);
      throw new NotFoundError(`No image found with ID ${id}: it was deleted while the snapshot was taken`);
    }
    const engineImage = this.engine.images.get(engineImageId);
    this.records.update({ ...image, status: 'active', engineImageId, exportRefs: engineImage.refs, size: this.layerBytes(engineImage), statusReason: undefined, updatedAt: new Date() });
    this.records.deleteSyncedSince(engineImageId, image.createdAt.getTime());
  }

  failSnapshot(id: string, reason: string): void {
    const image = this.records.get(id);
    if (!image) return;
    this.records.update({ ...image, status: 'killed', statusReason: reason, updatedAt: new Date() });
  }

  /** Gives every engine image without a record one, and drops records whose engine image is gone. */
  sync(): void {
    const engineImages = this.engine.images.list();
    const present = new Set(engineImages.map((i) => i.id));
    const known = this.records.engineImageIds();
    // An upload, import or snapshot in flight may have made its (maybe private) engine image
    // already; images as new as the oldest of them wait until it has claimed its own.
    const pendingSince = this.pendingSince();
    for (const engineImage of engineImages) {
      if (known.has(engineImage.id) || engineImage.createdAt.getTime() >= pendingSince) continue;
      const created = engineImage.createdAt;
      this.records.insert({
        id: uuidFor(engineImage.id), name: engineImage.refs[0] ?? shortId(engineImage.id), owner: this.options.adminProjectId?.() ?? null,
        visibility: 'public', status: 'active', containerFormat: 'docker', diskFormat: 'raw', size: this.layerBytes(engineImage),
        checksum: null, osHashValue: null, minRam: 0, minDisk: 0, protected: false, osHidden: false, tags: [], properties: {},
        engineImageId: engineImage.id, exportRefs: engineImage.refs, opaqueData: false, origin: 'engine', createdAt: created, updatedAt: created,
      }, { ignoreConflict: true });
    }
    for (const id of known) {
      // Checked again one by one: an image loaded since the list above is not gone.
      if (present.has(id) || this.engineImage(id)) continue;
      for (const record of this.records.byEngineImage(id)) this.records.delete(record.id);
    }
  }

  /** When the oldest upload, import or snapshot still in flight started (Infinity when none is). */
  private pendingSince(): number {
    let since = Infinity;
    for (const image of this.records.inFlight()) {
      // Only these container formats can turn into an engine image.
      if (image.status === 'saving' && !['docker', 'bare', 'ova'].includes(image.containerFormat ?? '')) continue;
      const started = image.status === 'queued' ? image.createdAt.getTime() : image.updatedAt.getTime();
      since = Math.min(since, started);
    }
    return since;
  }

  /** Removes a just-committed engine image that no record (other than a store listing) and no container uses. */
  private discardCommitted(engineImageId: string): void {
    if (!this.engineImage(engineImageId) || this.engine.images.users(engineImageId).length > 0) return;
    const records = this.records.byEngineImage(engineImageId);
    if (records.some((r) => r.origin !== 'engine')) return;
    for (const record of records) this.records.delete(record.id);
    this.engine.images.remove(engineImageId, { force: true });
    collectGarbage(this.engine);
  }

  private current(id: string): GlanceImage | undefined {
    const image = this.records.get(id);
    if (image?.engineImageId !== undefined && !this.engineImage(image.engineImageId)) {
      this.records.delete(image.id);
      return undefined;
    }
    return image;
  }

  private isMember(imageId: string, projectId: string | undefined): boolean {
    return projectId !== undefined && this.records.members(imageId).some((m) => m.member === projectId);
  }

  private setActive(ctx: RequestContext, id: string, active: boolean): void {
    const image = this.find(ctx, id);
    requireWrite(ctx, image, active ? 'reactivate' : 'deactivate');
    if (image.status !== 'active' && image.status !== 'deactivated') {
      throw new ForbiddenError(`Not allowed to ${active ? 'reactivate' : 'deactivate'} image in status '${image.status}'`);
    }
    const status = active ? 'active' : 'deactivated';
    if (image.status !== status) this.records.update({ ...image, status, updatedAt: new Date() });
  }

  private engineImage(id: string): ImageRecord | undefined {
    try {
      return this.engine.images.get(id);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** What Docker reports as an image's size: its layers' uncompressed bytes. */
  private layerBytes(image: ImageRecord): number {
    return image.topLayer === undefined ? 0 : this.engine.layers.chain(image.topLayer).reduce((sum, layer) => sum + layer.size, 0);
  }
}

/** A stable UUID for an engine image, so its record has the same id however often it is made. */
function uuidFor(engineImageId: string): string {
  const hex = createHash('sha256').update(`glance:${engineImageId}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
