/**
 * Image listing as Glance answers `GET /v2/images`: which images a caller sees by default
 * (its own, public ones, and shared ones it accepted; hidden ones only when asked), the
 * filters (exact or `in:a,b` values, sizes, tags, custom properties), the sort order and
 * marker/limit pages.
 */
import { InvalidArgumentError } from '../../engine/errors.js';
import type { RequestContext } from '../../api/http/request-context.js';
import type { GlanceImage } from './glance-image.js';
import type { GlanceMember } from './glance-records.js';
import { isAdminContext } from './glance-policy.js';

/** Glance's default page size (the API applies it) and largest page size. */
export const defaultPageSize = 25;
export const maxPageSize = 1000;

export type SortKey = 'name' | 'status' | 'container_format' | 'disk_format' | 'size' | 'id' | 'created_at' | 'updated_at' | 'visibility' | 'owner' | 'min_disk' | 'min_ram';
const sortKeys = new Set<string>(['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at', 'visibility', 'owner', 'min_disk', 'min_ram']);

/** What a list may be narrowed and ordered by. String filters accept `in:a,b`. */
export interface GlanceListFilters {
  id?: string;
  name?: string;
  status?: string;
  visibility?: string;
  owner?: string;
  containerFormat?: string;
  diskFormat?: string;
  sizeMin?: number;
  sizeMax?: number;
  tags?: string[];
  memberStatus?: string;
  osHidden?: boolean;
  properties?: Record<string, string>;
  /** Page size; without one every match is returned (Nova's image proxy wants them all). */
  limit?: number;
  marker?: string;
  sort?: Array<{ key: SortKey; dir: 'asc' | 'desc' }>;
}

/** Parses a sort key (`name`), failing with Glance's message for unknown ones. */
export function sortKeyOf(text: string): SortKey {
  if (!sortKeys.has(text)) throw new InvalidArgumentError(`Invalid sort key: ${text}. It should be one of the following: ${[...sortKeys].join(', ')}.`);
  return text as SortKey;
}

const matches = (value: string | null, filter: string | undefined): boolean => {
  if (filter === undefined) return true;
  if (filter.startsWith('in:')) return filter.slice(3).split(',').includes(value ?? '');
  return value === filter;
};

/** Filters, sorts and pages `candidates` (already limited to what the caller may see). */
export function queryImages(ctx: RequestContext, candidates: GlanceImage[], membersOf: (id: string) => GlanceMember[], filters: GlanceListFilters): GlanceImage[] {
  const admin = isAdminContext(ctx);
  const project = ctx.projectId;
  const memberStatus = filters.memberStatus ?? 'accepted';
  const myMembership = (image: GlanceImage): GlanceMember | undefined => membersOf(image.id).find((m) => m.member === project);
  const visibleByDefault = (image: GlanceImage): boolean => {
    if (admin) return true;
    if (image.owner === project) return true;
    if (image.visibility === 'public') return true;
    if (image.visibility === 'shared') return memberStatus === 'all' || myMembership(image)?.status === memberStatus;
    return false;
  };
  const filtered = candidates.filter((image) => {
    switch (filters.visibility) {
      case undefined: if (!visibleByDefault(image)) return false; break;
      case 'all': break;
      case 'shared':
        if (image.visibility !== 'shared') return false;
        if (!admin && image.owner !== project && !(memberStatus === 'all' || myMembership(image)?.status === memberStatus)) return false;
        break;
      case 'public': case 'private': case 'community':
        if (image.visibility !== filters.visibility) return false;
        break;
      default: throw new InvalidArgumentError(`Invalid visibility value: ${filters.visibility}`);
    }
    if (image.osHidden !== (filters.osHidden ?? false)) return false;
    if (!matches(image.id, filters.id) || !matches(image.name, filters.name) || !matches(image.status, filters.status) || !matches(image.owner, filters.owner)) return false;
    if (!matches(image.containerFormat, filters.containerFormat) || !matches(image.diskFormat, filters.diskFormat)) return false;
    if (filters.sizeMin !== undefined && (image.size === null || image.size < filters.sizeMin)) return false;
    if (filters.sizeMax !== undefined && (image.size === null || image.size > filters.sizeMax)) return false;
    if (filters.tags && !filters.tags.every((t) => image.tags.includes(t))) return false;
    for (const [key, value] of Object.entries(filters.properties ?? {})) if (!matches(image.properties[key] ?? null, value)) return false;
    return true;
  });
  const sort = [...(filters.sort && filters.sort.length > 0 ? filters.sort : [{ key: 'created_at' as const, dir: 'desc' as const }])];
  if (!sort.some((s) => s.key === 'id')) sort.push({ key: 'id', dir: sort[0]!.dir });
  filtered.sort((a, b) => {
    for (const { key, dir } of sort) {
      const c = compare(sortValue(a, key), sortValue(b, key));
      if (c !== 0) return dir === 'asc' ? c : -c;
    }
    return 0;
  });
  let start = 0;
  if (filters.marker !== undefined) {
    const at = filtered.findIndex((image) => image.id === filters.marker);
    if (at < 0) throw new InvalidArgumentError(`marker not found: ${filters.marker}`);
    start = at + 1;
  }
  return filters.limit === undefined ? filtered.slice(start) : filtered.slice(start, start + filters.limit);
}

function sortValue(image: GlanceImage, key: SortKey): string | number | null {
  switch (key) {
    case 'name': return image.name;
    case 'status': return image.status;
    case 'container_format': return image.containerFormat;
    case 'disk_format': return image.diskFormat;
    case 'size': return image.size;
    case 'id': return image.id;
    case 'created_at': return image.createdAt.getTime();
    case 'updated_at': return image.updatedAt.getTime();
    case 'visibility': return image.visibility;
    case 'owner': return image.owner;
    case 'min_disk': return image.minDisk;
    case 'min_ram': return image.minRam;
  }
}

/** Nulls first, as SQL's ascending order puts them. */
function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
