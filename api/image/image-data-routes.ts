/**
 * `PUT` and `GET /v2/images/{id}/file`. Uploads arrive as a raw stream (Content-Length or
 * chunked, as tempest sends) and go to the translator unbuffered; downloads carry
 * Content-MD5 of exactly the bytes sent, and an image without data answers 204.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { GlanceImages } from '../../translators/image/index.js';
import { ApiError } from '../http/api-error.js';
import { contextOf } from '../http/request-context.js';

type IdParams = { id: string };

/** Registers the raw-stream parser (scoped to the calling plugin) and the data routes. */
export function registerImageDataRoutes(app: FastifyInstance, images: GlanceImages): void {
  // The stream itself is the body: nothing is read until the translator pulls it.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.put<{ Params: IdParams }>('/v2/images/:id/file', async (request, reply) => {
    if (!(request.body instanceof Readable)) throw new ApiError(415, 'Image data must be sent as application/octet-stream.');
    await images.upload(contextOf(request), request.params.id, request.body);
    return reply.code(204).send();
  });

  app.get<{ Params: IdParams }>('/v2/images/:id/file', async (request, reply) => {
    const data = await images.download(contextOf(request), request.params.id);
    if (!data) return reply.code(204).send();
    reply.header('content-type', 'application/octet-stream').header('content-length', String(data.size));
    if (data.md5) reply.header('content-md5', data.md5);
    return reply.send(data.open());
  });
}
