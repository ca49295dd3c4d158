/**
 * Applies attribute changes to an image the way Glance does, for both creation (every
 * key of the POST body is an `add`) and PATCH (either JSON-patch dialect, already reduced
 * to `ImageChange`s). All checks run before anything is stored: a refused change list
 * leaves the image as it was.
 */
import { FailedPreconditionError, ForbiddenError, InvalidArgumentError, QuotaExceededError } from '../../engine/errors.js';
import { containerFormats, coreAttributes, diskFormats, type GlanceImage, isReservedKey, readOnlyAttributes, visibilities } from './glance-image.js';

/** One change: JSON-pointer segments already decoded. */
export interface ImageChange {
  op: 'add' | 'replace' | 'remove';
  path: string[];
  value?: unknown;
}

/** Glance's defaults for quotas it enforces per image. */
export const maxProperties = 128;
export const maxTags = 128;
const maxNameLength = 255;
const maxPropertyValue = 65535;

export interface ChangeContext {
  isAdmin: boolean;
  /** The caller's project (owner changes are admin-only unless they name it). */
  projectId?: string;
  /** Creating: `id` and the formats may be set freely. */
  creating: boolean;
}

/** Returns a copy of `image` with `changes` applied, or throws a categorised error. */
export function applyChanges(image: GlanceImage, changes: ImageChange[], ctx: ChangeContext): GlanceImage {
  const next: GlanceImage = { ...image, tags: [...image.tags], properties: { ...image.properties } };
  for (const change of changes) applyOne(next, change, ctx);
  if (Object.keys(next.properties).length > maxProperties) throw new QuotaExceededError(`Maximum number of properties (${maxProperties}) exceeded.`);
  if (next.tags.length > maxTags) throw new QuotaExceededError(`Maximum number of tags (${maxTags}) exceeded.`);
  return next;
}

function applyOne(image: GlanceImage, change: ImageChange, ctx: ChangeContext): void {
  if (change.path.length !== 1 || change.path[0] === '') throw new InvalidArgumentError(`Invalid JSON pointer for this resource: '/${change.path.join('/')}'`);
  const key = change.path[0]!;
  if (isReservedKey(key)) throw new ForbiddenError(`Attribute '${key}' is reserved.`);
  if (readOnlyAttributes.has(key) || (key === 'id' && !ctx.creating)) throw new ForbiddenError(`Attribute '${key}' is read-only.`);
  if (coreAttributes.has(key)) {
    if (change.op === 'remove') throw new ForbiddenError(`Cannot remove the core attribute '${key}'.`);
    setCore(image, key, change.value, ctx);
    return;
  }
  if (change.op === 'remove') {
    if (!(key in image.properties)) throw new FailedPreconditionError(`Property ${key} does not exist.`);
    delete image.properties[key];
    return;
  }
  if (change.op === 'replace' && !(key in image.properties)) throw new FailedPreconditionError(`Property ${key} does not exist.`);
  if (typeof change.value !== 'string') throw new InvalidArgumentError(`Provided object does not match schema 'image': property '${key}' must be a string`);
  if (key.length > 255) throw new InvalidArgumentError(`Property name '${key.slice(0, 40)}...' is longer than 255 characters`);
  if (change.value.length > maxPropertyValue) throw new InvalidArgumentError(`Property '${key}' is longer than ${maxPropertyValue} characters`);
  image.properties[key] = change.value;
}

function setCore(image: GlanceImage, key: string, value: unknown, ctx: ChangeContext): void {
  switch (key) {
    case 'id':
      if (typeof value !== 'string' || !isUuid(value)) throw new InvalidArgumentError(`Provided object does not match schema 'image': '${String(value)}' is not a valid UUID`);
      image.id = value.toLowerCase();
      return;
    case 'name':
      if (value !== null && (typeof value !== 'string' || value.length > maxNameLength)) throw new InvalidArgumentError(`Provided object does not match schema 'image': name must be a string of at most ${maxNameLength} characters, or null`);
      image.name = value;
      return;
    case 'owner':
      if (value !== null && (typeof value !== 'string' || value.length > 255)) throw new InvalidArgumentError("Provided object does not match schema 'image': owner must be a string");
      if (!ctx.isAdmin && value !== ctx.projectId) throw new ForbiddenError('Only an administrator may set the owner of an image to another project.');
      image.owner = value;
      return;
    case 'visibility':
      if (typeof value !== 'string' || !visibilities.includes(value as GlanceImage['visibility'])) {
        throw new InvalidArgumentError(`Provided object does not match schema 'image': visibility must be one of ${visibilities.join(', ')}`);
      }
      if (value === 'public' && !ctx.isAdmin && image.visibility !== 'public') throw new ForbiddenError('You are not authorized to publicize images: only an administrator may set visibility public.');
      image.visibility = value as GlanceImage['visibility'];
      return;
    case 'container_format':
    case 'disk_format': {
      const allowed: readonly string[] = key === 'container_format' ? containerFormats : diskFormats;
      if (value !== null && (typeof value !== 'string' || !allowed.includes(value))) {
        throw new InvalidArgumentError(`Invalid value '${String(value)}' for ${key}: one of ${allowed.join(', ')}`);
      }
      if (!ctx.creating && image.status !== 'queued') throw new ForbiddenError(`Attribute ${key} can be only replaced for a queued image.`);
      if (key === 'container_format') image.containerFormat = value as string | null;
      else image.diskFormat = value as string | null;
      return;
    }
    case 'min_ram':
    case 'min_disk':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) {
        throw new InvalidArgumentError(`Provided object does not match schema 'image': ${key} must be a non-negative integer`);
      }
      if (key === 'min_ram') image.minRam = value;
      else image.minDisk = value;
      return;
    case 'protected':
    case 'os_hidden':
      if (typeof value !== 'boolean') throw new InvalidArgumentError(`Provided object does not match schema 'image': ${key} must be a boolean`);
      if (key === 'protected') image.protected = value;
      else image.osHidden = value;
      return;
    case 'tags':
      if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 255)) {
        throw new InvalidArgumentError("Provided object does not match schema 'image': tags must be a list of strings of 1 to 255 characters");
      }
      image.tags = [...new Set(value as string[])];
      return;
  }
}

/** Whether text is a UUID in its canonical dashed spelling. */
export function isUuid(text: string): boolean {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text);
}
