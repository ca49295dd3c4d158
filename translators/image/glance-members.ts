/**
 * Members of shared images: the owner adds a project, which then sees the image and may
 * accept (it is listed by default) or reject it. Only `shared` images have members.
 */
import type { RequestContext } from '../../api/http/request-context.js';
import { AlreadyExistsError, ForbiddenError, InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import type { GlanceImage } from './glance-image.js';
import type { GlanceImages } from './glance-images.js';
import { isAdminContext, requireWrite } from './glance-policy.js';
import type { GlanceMember } from './glance-records.js';

const memberStatuses = new Set(['pending', 'accepted', 'rejected']);

function sharedImage(images: GlanceImages, ctx: RequestContext, id: string): GlanceImage {
  const image = images.find(ctx, id);
  if (image.visibility !== 'shared') throw new ForbiddenError(`Only shared images have members (image ${image.id} is ${image.visibility}).`);
  return image;
}

const isOwnerOrAdmin = (ctx: RequestContext, image: GlanceImage): boolean => isAdminContext(ctx) || (image.owner !== null && image.owner === ctx.projectId);

/** The owner sees every member; a member sees only itself. */
export function listMembers(images: GlanceImages, ctx: RequestContext, id: string): GlanceMember[] {
  const image = sharedImage(images, ctx, id);
  const members = images.records.members(image.id);
  return isOwnerOrAdmin(ctx, image) ? members : members.filter((m) => m.member === ctx.projectId);
}

export function getMember(images: GlanceImages, ctx: RequestContext, id: string, member: string): GlanceMember {
  const found = listMembers(images, ctx, id).find((m) => m.member === member);
  if (!found) throw new NotFoundError(`Member ${member} not found on image ${id}.`);
  return found;
}

export function addMember(images: GlanceImages, ctx: RequestContext, id: string, member: unknown): GlanceMember {
  const image = sharedImage(images, ctx, id);
  requireWrite(ctx, image, 'share');
  if (typeof member !== 'string' || member.length === 0 || member.length > 255) throw new InvalidArgumentError("Request body must be {\"member\": \"<project id>\"}.");
  if (!images.records.addMember(image.id, member)) throw new AlreadyExistsError(`Member ${member} already exists on image ${image.id}.`);
  return getMember(images, ctx, image.id, member);
}

/** Only the member project itself accepts or rejects. */
export function updateMember(images: GlanceImages, ctx: RequestContext, id: string, member: string, status: unknown): GlanceMember {
  const image = sharedImage(images, ctx, id);
  getMember(images, ctx, image.id, member);
  if (ctx.projectId !== member && !isAdminContext(ctx)) throw new ForbiddenError('Only the member project may change its membership status.');
  if (typeof status !== 'string' || !memberStatuses.has(status)) throw new InvalidArgumentError('Status must be one of pending, accepted, rejected.');
  images.records.setMemberStatus(image.id, member, status as GlanceMember['status']);
  return getMember(images, ctx, image.id, member);
}

export function removeMember(images: GlanceImages, ctx: RequestContext, id: string, member: string): void {
  const image = sharedImage(images, ctx, id);
  requireWrite(ctx, image, 'unshare');
  if (!images.records.deleteMember(image.id, member)) throw new NotFoundError(`Member ${member} not found on image ${image.id}.`);
}
