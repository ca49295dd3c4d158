/**
 * The JSON schemas Glance publishes under `/v2/schemas`. glanceclient validates every image
 * it receives against `image` (through warlock), so each core attribute is declared with
 * the type we really send (integers, booleans, nulls), and custom properties are strings.
 */
import { containerFormats, diskFormats, visibilities } from '../../translators/image/glance-image.js';

const nullableString = (description: string, extra: Record<string, unknown> = {}) => ({ type: ['null', 'string'], readOnly: true, description, ...extra });

/** The `image` schema. */
export function imageSchema(): Record<string, unknown> {
  return {
    name: 'image',
    additionalProperties: { type: 'string' },
    properties: {
      id: { type: 'string', pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$', description: 'An identifier for the image' },
      name: { type: ['null', 'string'], maxLength: 255, description: 'Descriptive name for the image' },
      status: { type: 'string', readOnly: true, enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated', 'error'], description: 'Status of the image' },
      visibility: { type: 'string', enum: [...visibilities], description: 'Scope of image accessibility' },
      protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
      os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
      checksum: nullableString('md5 hash of image contents.', { maxLength: 32 }),
      os_hash_algo: nullableString('Algorithm used to calculate os_hash_value.', { maxLength: 64 }),
      os_hash_value: nullableString('Hexdigest of the image contents using os_hash_algo.', { maxLength: 128 }),
      owner: { type: ['null', 'string'], maxLength: 255, description: 'Owner of the image' },
      size: { type: ['null', 'integer'], readOnly: true, description: 'Size of image file in bytes' },
      virtual_size: { type: ['null', 'integer'], readOnly: true, description: 'Virtual size of image in bytes' },
      container_format: { type: ['null', 'string'], enum: [null, ...containerFormats], description: 'Format of the container' },
      disk_format: { type: ['null', 'string'], enum: [null, ...diskFormats], description: 'Format of the disk' },
      created_at: { type: 'string', readOnly: true, description: 'Date and time of image registration' },
      updated_at: { type: 'string', readOnly: true, description: 'Date and time of the last image modification' },
      tags: { type: 'array', items: { type: 'string', maxLength: 255 }, description: 'List of strings related to the image' },
      direct_url: { type: 'string', readOnly: true, description: 'URL to access the image file kept in external store' },
      min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
      min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
      self: { type: 'string', readOnly: true, description: 'An image self url' },
      file: { type: 'string', readOnly: true, description: 'An image file url' },
      schema: { type: 'string', readOnly: true, description: 'An image schema url' },
      locations: { type: 'array', items: { type: 'object' }, description: 'A set of URLs to access the image file kept in external store' },
    },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

/** The `images` schema (a list page). */
export function imagesSchema(): Record<string, unknown> {
  return {
    name: 'images',
    properties: {
      images: { type: 'array', items: imageSchema() },
      schema: { type: 'string' },
      first: { type: 'string' },
      next: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

/** The `member` schema. */
export function memberSchema(): Record<string, unknown> {
  return {
    name: 'member',
    properties: {
      image_id: { type: 'string', description: 'An identifier for the image' },
      member_id: { type: 'string', description: 'An identifier for the image member (project id)' },
      status: { type: 'string', enum: ['pending', 'accepted', 'rejected'], description: 'The status of this image member' },
      created_at: { type: 'string', description: 'Date and time of image member creation' },
      updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
      schema: { type: 'string', readOnly: true },
    },
  };
}

export function membersSchema(): Record<string, unknown> {
  return {
    name: 'members',
    properties: { members: { type: 'array', items: memberSchema() }, schema: { type: 'string' } },
    links: [{ rel: 'schema', href: '{schema}' }],
  };
}
