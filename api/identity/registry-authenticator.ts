/**
 * The registry's logins are the cloud's users: `docker login` takes a Keystone user name
 * (Default domain, or `user@domain`) and password. A user may push to and pull private
 * repositories of the projects where they are a member or admin; their default project
 * comes first, so a new repository they push belongs to it.
 */
import type { RegistryAuthenticator } from '../registry/registry-auth.js';
import type { IdentityStore } from './identity-store.js';
import { verifyPassword } from './password-hash.js';

export function keystoneRegistryAuthenticator(store: IdentityStore): RegistryAuthenticator {
  return {
    async authenticate(login, password) {
      const at = login.lastIndexOf('@');
      const name = at > 0 ? login.slice(0, at) : login;
      const domain = at > 0 ? store.findDomain(login.slice(at + 1)) : store.findDomain('default');
      const user = domain?.enabled ? store.findUserByName(name, domain.id) : undefined;
      if (!user || !user.enabled || !user.passwordHash || !(await verifyPassword(password, user.passwordHash))) return null;
      const projects = store.listProjects({ userId: user.id })
        .filter((p) => p.enabled && store.rolesOn(user.id, { projectId: p.id }).some((r) => r.name === 'member' || r.name === 'admin'))
        .map((p) => p.id)
        .sort((a, b) => Number(b === user.defaultProjectId) - Number(a === user.defaultProjectId));
      return { subject: user.id, projects };
    },
  };
}
