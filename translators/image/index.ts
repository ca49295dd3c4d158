/** The image translator's Glance side: what the API layers (Glance, Nova) use. */
export { GlanceImages, type GlanceImagesOptions } from './glance-images.js';
export type { GlanceImage, GlanceStatus, GlanceVisibility } from './glance-image.js';
export type { ImageChange } from './glance-changes.js';
export type { GlanceListFilters } from './glance-query.js';
export type { ImageData } from './image-data.js';
export { glanceImageView, glanceMemberView, glanceTime, visibleStatus } from './glance-view.js';
export { addMember, getMember, listMembers, removeMember, updateMember } from './glance-members.js';
