/** Glance v2 image routes: CRUD, PATCH in both dialects, tags, (de)activation and members. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  addMember, getMember, type GlanceImages, glanceImageView, glanceMemberView, listMembers, removeMember, updateMember,
} from '../../translators/image/index.js';
import { defaultPageSize } from '../../translators/image/glance-query.js';
import { importMethods } from '../../translators/image/registry-import.js';
import { ApiError, badRequest } from '../http/api-error.js';
import { contextOf } from '../http/request-context.js';
import { baseUrlOf } from '../http/service-faults.js';
import { parsePatch, patchMediaTypes } from './json-patch.js';
import { listFilters, nextLink } from './list-query.js';

type IdParams = { id: string };
type Query = Record<string, string | string[] | undefined>;

function jsonObject(body: unknown, what: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`${what} must be a JSON object.`);
  return body as Record<string, unknown>;
}

const mediaTypeOf = (request: FastifyRequest): string => (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

export function registerImageRoutes(app: FastifyInstance, images: GlanceImages): void {
  app.get('/v2/images', async (request) => {
    const query = request.query as Query;
    const filters = listFilters(query);
    const limit = filters.limit ?? defaultPageSize;
    const page = images.list(contextOf(request), { ...filters, limit });
    const body: Record<string, unknown> = { images: page.map(glanceImageView), first: '/v2/images', schema: '/v2/schemas/images' };
    if (page.length === limit && limit > 0) body.next = nextLink(query, page[page.length - 1]!.id, limit);
    return body;
  });

  app.post('/v2/images', async (request, reply) => {
    const image = images.create(contextOf(request), jsonObject(request.body, 'The image'));
    return reply.code(201).header('location', `${baseUrlOf(request)}/image/v2/images/${image.id}`).send(glanceImageView(image));
  });

  app.get<{ Params: IdParams }>('/v2/images/:id', async (request) => glanceImageView(images.find(contextOf(request), request.params.id)));

  app.patch<{ Params: IdParams }>('/v2/images/:id', async (request) => {
    const mediaType = mediaTypeOf(request);
    if (mediaType !== patchMediaTypes.v21 && mediaType !== patchMediaTypes.v20) {
      throw new ApiError(415, `Unsupported Content-Type '${mediaType}': use ${patchMediaTypes.v21} or ${patchMediaTypes.v20}.`, { 'accept-patch': `${patchMediaTypes.v21}, ${patchMediaTypes.v20}` });
    }
    return glanceImageView(images.update(contextOf(request), request.params.id, parsePatch(request.body, mediaType)));
  });

  app.delete<{ Params: IdParams }>('/v2/images/:id', async (request, reply) => {
    images.delete(contextOf(request), request.params.id);
    return reply.code(204).send();
  });

  app.put<{ Params: IdParams & { tag: string } }>('/v2/images/:id/tags/:tag', async (request, reply) => {
    images.addTag(contextOf(request), request.params.id, request.params.tag);
    return reply.code(204).send();
  });
  app.delete<{ Params: IdParams & { tag: string } }>('/v2/images/:id/tags/:tag', async (request, reply) => {
    images.removeTag(contextOf(request), request.params.id, request.params.tag);
    return reply.code(204).send();
  });

  app.post<{ Params: IdParams }>('/v2/images/:id/actions/deactivate', async (request, reply) => {
    images.deactivate(contextOf(request), request.params.id);
    return reply.code(204).send();
  });
  app.post<{ Params: IdParams }>('/v2/images/:id/actions/reactivate', async (request, reply) => {
    images.reactivate(contextOf(request), request.params.id);
    return reply.code(204).send();
  });

  app.get('/v2/info/import', async () => ({
    'import-methods': { description: 'Import methods available.', type: 'array', value: importMethods },
  }));
  app.post<{ Params: IdParams }>('/v2/images/:id/import', async (request, reply) => {
    const method = jsonObject(jsonObject(request.body, 'The import request').method, 'The import method');
    images.startImport(contextOf(request), request.params.id, method);
    return reply.code(202).send();
  });

  app.get<{ Params: IdParams }>('/v2/images/:id/members', async (request) => ({
    members: listMembers(images, contextOf(request), request.params.id).map(glanceMemberView), schema: '/v2/schemas/members',
  }));
  app.post<{ Params: IdParams }>('/v2/images/:id/members', async (request) =>
    glanceMemberView(addMember(images, contextOf(request), request.params.id, jsonObject(request.body, 'The member').member)));
  app.get<{ Params: IdParams & { member: string } }>('/v2/images/:id/members/:member', async (request) =>
    glanceMemberView(getMember(images, contextOf(request), request.params.id, request.params.member)));
  app.put<{ Params: IdParams & { member: string } }>('/v2/images/:id/members/:member', async (request) =>
    glanceMemberView(updateMember(images, contextOf(request), request.params.id, request.params.member, jsonObject(request.body, 'The member').status)));
  app.delete<{ Params: IdParams & { member: string } }>('/v2/images/:id/members/:member', async (request, reply) => {
    removeMember(images, contextOf(request), request.params.id, request.params.member);
    return reply.code(204).send();
  });
}
