/**
 * `GET /v2/images` query parameters to list filters, with Glance's parameter names and
 * errors; keys it does not know filter on custom properties, as Glance does.
 */
import type { GlanceListFilters } from '../../translators/image/index.js';
import { maxPageSize, sortKeyOf } from '../../translators/image/glance-query.js';
import { badRequest } from '../http/api-error.js';

type Query = Record<string, string | string[] | undefined>;

/** Parameters that are not property filters (and that `next` need not repeat specially). */
const known = new Set(['limit', 'marker', 'name', 'status', 'visibility', 'owner', 'container_format', 'disk_format', 'size_min', 'size_max', 'tag',
  'member_status', 'os_hidden', 'id', 'sort_key', 'sort_dir', 'sort', 'created_at', 'updated_at', 'protected']);

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[value.length - 1] : value);
const many = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw badRequest(`${name} param must be a non-negative integer`);
  return Number(value);
}

/** Filters from a query string. */
export function listFilters(query: Query): GlanceListFilters {
  const filters: GlanceListFilters = {};
  const limit = integer('limit', one(query.limit));
  if (limit !== undefined) filters.limit = Math.min(limit, maxPageSize);
  const strings: Array<[keyof GlanceListFilters, string]> = [['marker', 'marker'], ['name', 'name'], ['status', 'status'], ['visibility', 'visibility'], ['owner', 'owner'],
    ['containerFormat', 'container_format'], ['diskFormat', 'disk_format'], ['memberStatus', 'member_status'], ['id', 'id']];
  for (const [field, param] of strings) {
    const value = one(query[param]);
    if (value !== undefined) (filters as Record<string, unknown>)[field] = value;
  }
  const sizeMin = integer('size_min', one(query.size_min));
  if (sizeMin !== undefined) filters.sizeMin = sizeMin;
  const sizeMax = integer('size_max', one(query.size_max));
  if (sizeMax !== undefined) filters.sizeMax = sizeMax;
  const tags = many(query.tag);
  if (tags.length > 0) filters.tags = tags;
  const hidden = one(query.os_hidden);
  if (hidden !== undefined) {
    if (!/^(true|false)$/i.test(hidden)) throw badRequest('os_hidden must be true or false');
    filters.osHidden = hidden.toLowerCase() === 'true';
  }
  filters.sort = sortOf(query);
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) if (!known.has(key) && one(value) !== undefined) properties[key] = one(value)!;
  if (Object.keys(properties).length > 0) filters.properties = properties;
  return filters;
}

function direction(text: string): 'asc' | 'desc' {
  if (text !== 'asc' && text !== 'desc') throw badRequest(`Invalid sort direction: ${text}`);
  return text;
}

/** `sort=name:asc,status` (new style) or `sort_key=...&sort_dir=...` (old style, not both). */
function sortOf(query: Query): GlanceListFilters['sort'] {
  const sort = one(query.sort);
  const keys = many(query.sort_key).flatMap((k) => k.split(','));
  const dirs = many(query.sort_dir).flatMap((d) => d.split(','));
  if (sort !== undefined) {
    if (keys.length > 0 || dirs.length > 0) throw badRequest('The sort param is incompatible with sort_key and sort_dir.');
    return sort.split(',').map((part) => {
      const [key, dir] = part.trim().split(':');
      return { key: sortKeyOf(key!), dir: dir === undefined ? 'desc' : direction(dir) };
    });
  }
  if (dirs.length > 1 && dirs.length !== keys.length) throw badRequest('The number of sort_dir values must match the number of sort_key values.');
  return keys.map((key, i) => ({ key: sortKeyOf(key), dir: direction(dirs[i] ?? dirs[0] ?? 'desc') }));
}

/** The `next` link for a full page: the same query with the marker moved on. */
export function nextLink(query: Query, lastId: string, limit: number): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key === 'marker' || key === 'limit') continue;
    for (const v of many(value)) params.append(key, v);
  }
  params.set('marker', lastId);
  params.set('limit', String(limit));
  return `/v2/images?${params.toString()}`;
}
