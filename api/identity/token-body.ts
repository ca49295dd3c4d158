/** The token bodies Keystone returns, v3 and v2.0, built from a validated token. */
import type { IdentityService } from './identity-service.js';
import { keystoneTime, v2Catalog, v3Catalog } from './service-catalog.js';
import type { TokenPayload } from './token-service.js';

/** `{"token": {...}}` for v3, with the catalog unless `nocatalog`. */
export function v3TokenBody(identity: IdentityService, payload: TokenPayload, baseUrl: string, options: { catalog?: boolean } = {}) {
  const { store } = identity;
  const user = store.getUser(payload.u);
  const userDomain = store.getDomain(user.domainId);
  const token: Record<string, unknown> = {
    methods: payload.m,
    user: { id: user.id, name: user.name, domain: { id: userDomain.id, name: userDomain.name }, password_expires_at: null },
    audit_ids: [payload.a],
    expires_at: keystoneTime(new Date(payload.e)),
    issued_at: keystoneTime(new Date(payload.i)),
  };
  let roles: Array<{ id: string; name: string }> = [];
  if (payload.p !== undefined) {
    const project = store.getProject(payload.p);
    const domain = store.getDomain(project.domainId);
    token.project = { id: project.id, name: project.name, domain: { id: domain.id, name: domain.name } };
    token.is_domain = false;
    roles = store.rolesOn(user.id, { projectId: project.id });
  } else if (payload.d !== undefined) {
    const domain = store.getDomain(payload.d);
    token.domain = { id: domain.id, name: domain.name };
    roles = store.rolesOn(user.id, { domainId: domain.id });
  }
  if (payload.r) roles = roles.filter((r) => payload.r!.includes(r.name));
  if (payload.p !== undefined || payload.d !== undefined) token.roles = roles;
  if (payload.c !== undefined) token.application_credential = { id: payload.c, restricted: true };
  if (options.catalog !== false) token.catalog = v3Catalog(identity.catalogServices, baseUrl, payload.p);
  return { token };
}

/** `{"access": {...}}` for v2.0 (pkgcloud's default mode); `payload.p` must be set for a catalog. */
export function v2AccessBody(identity: IdentityService, token: string, payload: TokenPayload, baseUrl: string) {
  const { store } = identity;
  const user = store.getUser(payload.u);
  const access: Record<string, unknown> = {
    token: { id: token, expires: keystoneTime(new Date(payload.e)).replace(/\.\d+Z$/, 'Z'), issued_at: keystoneTime(new Date(payload.i)), audit_ids: [payload.a] },
    user: { id: user.id, name: user.name, username: user.name, roles: [] as Array<{ name: string }>, roles_links: [] },
    serviceCatalog: [],
    metadata: { is_admin: 0, roles: [] as string[] },
  };
  if (payload.p !== undefined) {
    const project = store.getProject(payload.p);
    const roles = store.rolesOn(user.id, { projectId: project.id });
    (access.token as Record<string, unknown>).tenant = { id: project.id, name: project.name, enabled: project.enabled, description: project.description };
    access.user = { ...(access.user as object), roles: roles.map((r) => ({ name: r.name })) };
    access.metadata = { is_admin: 0, roles: roles.map((r) => r.id) };
    access.serviceCatalog = v2Catalog(identity.catalogServices, baseUrl, project.id);
  }
  return { access };
}
