/**
 * First start: the Default domain, the admin/member/reader roles, an admin project and user
 * (like `keystone-manage bootstrap`), and the files a user points clients at: `clouds.yaml`
 * and `openrc`, both mode 0600 since they hold the admin password.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dump as yamlDump } from 'js-yaml';
import type { IdentityService } from './identity-service.js';

export interface BootstrapResult {
  created: boolean;
  adminPassword?: string;
  cloudsYaml: string;
  openrc: string;
}

/** Creates what is missing; never changes an existing admin's password. */
export function bootstrapIdentity(identity: IdentityService, dataDir: string, publicUrl: string, options: { adminPassword?: string } = {}): BootstrapResult {
  const { store } = identity;
  const passwordFile = path.join(dataDir, 'keys', 'admin-password');
  if (!store.findDomain('default')) store.createDomain({ id: 'default', name: 'Default', description: 'The default domain' });
  for (const name of ['admin', 'member', 'reader']) if (!store.findRoleByName(name)) store.createRole(name);
  let created = false;
  let admin = store.findUserByName('admin', 'default');
  let password: string | undefined;
  if (!admin) {
    password = options.adminPassword ?? randomBytes(18).toString('base64url');
    const project = store.findProjectByName('admin', 'default') ?? store.createProject({ name: 'admin', domainId: 'default', description: 'Bootstrap project' });
    admin = store.createUser({ name: 'admin', domainId: 'default', password, defaultProjectId: project.id });
    for (const role of ['admin', 'member', 'reader']) store.assignRole({ userId: admin.id, roleId: store.findRoleByName(role)!.id, projectId: project.id });
    fs.mkdirSync(path.dirname(passwordFile), { recursive: true, mode: 0o700 });
    fs.writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
    created = true;
  } else {
    password = fs.existsSync(passwordFile) ? fs.readFileSync(passwordFile, 'utf8').trim() : undefined;
  }
  const authUrl = `${publicUrl}/identity`;
  const cloud = {
    clouds: {
      intermodal: {
        auth: { auth_url: authUrl, username: 'admin', password: password ?? '<admin password>', project_name: 'admin', user_domain_name: 'Default', project_domain_name: 'Default' },
        region_name: 'RegionOne', identity_api_version: 3, interface: 'public',
      },
    },
  };
  const cloudsYaml = path.join(dataDir, 'clouds.yaml');
  fs.writeFileSync(cloudsYaml, yamlDump(cloud), { mode: 0o600 });
  const openrc = path.join(dataDir, 'openrc');
  fs.writeFileSync(openrc, [
    `export OS_AUTH_URL=${authUrl}`, 'export OS_IDENTITY_API_VERSION=3', 'export OS_USERNAME=admin', `export OS_PASSWORD='${password ?? ''}'`,
    'export OS_PROJECT_NAME=admin', 'export OS_USER_DOMAIN_NAME=Default', 'export OS_PROJECT_DOMAIN_NAME=Default', 'export OS_REGION_NAME=RegionOne', '',
  ].join('\n'), { mode: 0o600 });
  return { created, ...(created && { adminPassword: password! }), cloudsYaml, openrc };
}
