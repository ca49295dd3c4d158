/**
 * Glance v2 under `/image`: version discovery (300, as tempest asserts), schemas, images
 * with their data, tags and members. Faults are `{"error": {"code", "title", "message"}}`:
 * glanceclient reads a JSON fault by taking `message` from every top-level value (a flat
 * webob body makes it crash on `int.get`), and the SDK reads the nested form as well.
 *
 * LIMITATIONS against real Glance:
 * - import only by `web-download` of `docker://` registry references (no glance-direct
 *   staging, no http(s) downloads, no stores, no copy-image);
 * - an engine-backed image downloads as the archive the engine saves, so its `checksum`,
 *   `os_hash_value` and `size` describe that archive, not the bytes uploaded;
 * - no locations, tasks, metadefs, cache or Range downloads; no `created_at`/`updated_at`
 *   range filters; `virtual_size` is always null;
 * - quotas are Glance's per-image defaults (128 properties, 128 tags, 1 TiB per image),
 *   no per-project storage quota;
 * - lists filter and sort in memory over the caller's visible records.
 */
import type { FastifyInstance } from 'fastify';
import type winston from 'winston';
import type { GlanceImages } from '../../translators/image/index.js';
import { QuotaExceededError } from '../../engine/errors.js';
import { ApiError, statusOf } from '../http/api-error.js';
import { authenticate, type TokenValidator } from '../http/request-context.js';
import { baseUrlOf, httpTitles } from '../http/service-faults.js';
import { registerImageDataRoutes } from './image-data-routes.js';
import { registerImageRoutes } from './image-routes.js';
import { imageSchema, imagesSchema, memberSchema, membersSchema } from './image-schemas.js';
import { patchMediaTypes } from './json-patch.js';

/** Largest JSON body (a PATCH with many properties); image data has no such limit. */
const jsonBodyLimit = 1024 * 1024;

const supported = ['2.8', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];

function versions(base: string) {
  const self = [{ rel: 'self', href: `${base}/image/v2/` }];
  return { versions: [{ id: 'v2.9', status: 'CURRENT', links: self }, ...supported.map((v) => ({ id: `v${v}`, status: 'SUPPORTED', links: self }))] };
}

export interface ImageApiOptions {
  images: GlanceImages;
  tokens: TokenValidator;
  log: winston.Logger;
}

export async function imageApi(app: FastifyInstance, opts: ImageApiOptions): Promise<void> {
  app.setErrorHandler(async (err, request, reply) => {
    // Glance answers quota overruns (too many tags or properties, an image too large) with 413.
    const mapped = err instanceof QuotaExceededError ? new ApiError(413, err.message) : err;
    const { status, message, headers } = statusOf(mapped);
    if (status >= 500) opts.log.error('request failed', { request_id: request.requestId, error: String((err as Error)?.stack ?? err) });
    if (status === 401) headers['www-authenticate'] = `Keystone uri="${baseUrlOf(request)}/identity"`;
    return reply.code(status).headers(headers).type('application/json').send({ error: { code: status, title: httpTitles[status] ?? 'Error', message } });
  });
  app.setNotFoundHandler(async (request) => {
    throw new ApiError(404, `The resource could not be found. (${request.method} ${request.url.split('?')[0]})`);
  });

  for (const mediaType of Object.values(patchMediaTypes)) {
    app.addContentTypeParser(mediaType, { parseAs: 'string', bodyLimit: jsonBodyLimit }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new ApiError(400, 'Malformed JSON in request body.'), undefined);
      }
    });
  }

  app.addHook('onRequest', async (request) => {
    if ((request.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    authenticate(request, opts.tokens);
  });

  app.get('/', { config: { public: true } }, async (request, reply) => reply.code(300).send(versions(baseUrlOf(request))));
  app.get('/versions', { config: { public: true } }, async (request) => versions(baseUrlOf(request)));

  app.get('/v2/schemas/image', async () => imageSchema());
  app.get('/v2/schemas/images', async () => imagesSchema());
  app.get('/v2/schemas/member', async () => memberSchema());
  app.get('/v2/schemas/members', async () => membersSchema());

  registerImageRoutes(app, opts.images);
  registerImageDataRoutes(app, opts.images);
}
