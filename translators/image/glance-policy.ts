/**
 * Glance's default policy, on a request context: who sees an image (its owner, everyone
 * for public and community images, members for shared ones, admins always) and who
 * changes it (the owner's members and admins; readers only look).
 */
import { ForbiddenError } from '../../engine/errors.js';
import type { RequestContext } from '../../api/http/request-context.js';
import type { GlanceImage } from './glance-image.js';

export const isAdminContext = (ctx: RequestContext): boolean => ctx.roles.includes('admin');

/** Members and admins change things; a reader-only token does not. */
export const canWriteContext = (ctx: RequestContext): boolean => ctx.roles.includes('admin') || ctx.roles.includes('member');

/** Whether `ctx` may see `image`; `isMember` says whether its project is a member of the image. */
export function canSee(ctx: RequestContext, image: GlanceImage, isMember: boolean): boolean {
  if (isAdminContext(ctx)) return true;
  if (image.owner !== null && image.owner === ctx.projectId) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  return image.visibility === 'shared' && isMember;
}

/** Throws ForbiddenError unless `ctx` may change `image` (it must already be able to see it). */
export function requireWrite(ctx: RequestContext, image: GlanceImage, action = 'modify'): void {
  if (isAdminContext(ctx)) return;
  if (image.owner === null || image.owner !== ctx.projectId) throw new ForbiddenError(`You are not permitted to ${action} image ${image.id}.`);
  if (!canWriteContext(ctx)) throw new ForbiddenError(`You are not authorized to ${action} image ${image.id}: the reader role may only look.`);
}

/** Throws ForbiddenError unless `ctx` may create images in its project. */
export function requireCreate(ctx: RequestContext): string {
  if (!ctx.projectId) throw new ForbiddenError('Creating an image needs a project-scoped token.');
  if (!canWriteContext(ctx)) throw new ForbiddenError('You are not authorized to create images: the reader role may only look.');
  return ctx.projectId;
}
