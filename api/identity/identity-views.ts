/** How identity objects look on the wire (Keystone v3). */
import type { Domain, Project, Role, User } from './identity-store.js';

export const linkTo = (base: string, path: string) => ({ self: `${base}/identity/v3/${path}` });

export const domainView = (base: string, d: Domain) => ({ id: d.id, name: d.name, description: d.description, enabled: d.enabled, tags: [], options: {}, links: linkTo(base, `domains/${d.id}`) });

export const projectView = (base: string, p: Project) => ({
  id: p.id, name: p.name, domain_id: p.domainId, description: p.description, enabled: p.enabled, parent_id: p.domainId,
  is_domain: false, tags: [], options: {}, links: linkTo(base, `projects/${p.id}`),
});

export const userView = (base: string, u: User) => ({
  id: u.id, name: u.name, domain_id: u.domainId, enabled: u.enabled, password_expires_at: null, options: {},
  ...(u.email !== undefined && { email: u.email }), ...(u.description && { description: u.description }),
  ...(u.defaultProjectId !== undefined && { default_project_id: u.defaultProjectId }), links: linkTo(base, `users/${u.id}`),
});

export const roleView = (base: string, r: Role) => ({ id: r.id, name: r.name, domain_id: null, description: null, options: {}, links: linkTo(base, `roles/${r.id}`) });
