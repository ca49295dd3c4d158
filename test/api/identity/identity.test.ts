/**
 * Keystone as the real `openstack` CLI and raw HTTP clients use it: discovery, token issue
 * and validation, onboarding a tenant, and revocation when things change under a token.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';

describe('identity (Keystone v3) with the real openstack CLI', function () {
  this.timeout(180_000);
  let cloud: TestCloud;
  before(async () => { cloud = await startTestCloud('identity'); });
  after(async () => { await cloud?.stop(); });

  it('writes clouds.yaml and openrc mode 0600 that the CLI logs in with', async () => {
    assert.equal(fs.statSync(cloud.cloudsYaml).mode & 0o777, 0o600);
    const token = JSON.parse(await cloud.openstack(['token', 'issue', '-f', 'json'])) as { id: string; project_id: string; expires: string };
    assert.ok(token.id.length > 20);
    assert.ok(Date.parse(token.expires) > Date.now() + 50 * 60_000, 'a token lives about an hour');
    const catalog = JSON.parse(await cloud.openstack(['catalog', 'list', '-f', 'json'])) as Array<{ Name: string; Type: string }>;
    assert.ok(catalog.some((s) => s.Type === 'identity'));
  });

  it('answers discovery with v3 only and a reachable self link', async () => {
    const root = await cloud.request('GET', '/identity');
    assert.equal(root.status, 300);
    const values = root.body.versions.values as Array<{ id: string; links: Array<{ rel: string; href: string }> }>;
    assert.deepEqual(values.map((v) => v.id), ['v3.14']);
    assert.equal(values[0]!.links[0]!.href, `${cloud.url}/identity/v3/`);
    assert.ok(root.headers.get('x-openstack-request-id')?.startsWith('req-'));
  });

  it('onboards a tenant: project create, user create, role add, role assignment list', async () => {
    await cloud.openstack(['project', 'create', 'tenant-a']);
    await cloud.openstack(['user', 'create', '--project', 'tenant-a', '--password', 'pw-a', 'alice']);
    await cloud.openstack(['role', 'add', '--project', 'tenant-a', '--user', 'alice', 'member']);
    const rows = JSON.parse(await cloud.openstack(['role', 'assignment', 'list', '--names', '--project', 'tenant-a', '-f', 'json'])) as Array<{ Role: string; User: string }>;
    assert.deepEqual(rows.map((r) => `${r.Role}/${r.User}`), ['member/alice@Default']);
    const issued = JSON.parse(await cloud.openstack(['token', 'issue', '-f', 'json'], { username: 'alice', password: 'pw-a', project: 'tenant-a' })) as { project_id: string };
    const project = JSON.parse(await cloud.openstack(['project', 'show', 'tenant-a', '-f', 'json'])) as { id: string };
    assert.equal(issued.project_id, project.id);
  });

  it('refuses a wrong password, a project without a role, and a non-admin onboarding others', async () => {
    const bad = await cloud.request('POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'nope' } } } } } });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, 401);
    await assert.rejects(cloud.token('alice', 'pw-a', 'admin'), /401/);
    await assert.rejects(cloud.openstack(['project', 'create', 'sneaky'], { username: 'alice', password: 'pw-a', project: 'tenant-a' }), /403|not authorized/i);
    const projects = JSON.parse(await cloud.openstack(['project', 'list', '-f', 'json'])) as Array<{ Name: string }>;
    assert.ok(!projects.some((p) => p.Name === 'sneaky'), 'a refused request changes nothing');
  });

  it('validates, and revokes on DELETE, password change, role removal and project disable', async () => {
    const adminToken = await cloud.token('admin', cloud.adminPassword, 'admin');
    await cloud.openstack(['user', 'create', '--password', 'pw-b', 'bob']);
    await cloud.openstack(['project', 'create', 'tenant-b']);
    await cloud.openstack(['role', 'add', '--project', 'tenant-b', '--user', 'bob', 'member']);
    const valid = async (token: string) => (await cloud.request('GET', '/identity/v3/auth/tokens', { token: adminToken, headers: { 'x-subject-token': token } })).status;

    const t1 = await cloud.token('bob', 'pw-b', 'tenant-b');
    assert.equal(await valid(t1), 200);
    assert.equal((await cloud.request('DELETE', '/identity/v3/auth/tokens', { token: adminToken, headers: { 'x-subject-token': t1 } })).status, 204);
    assert.equal(await valid(t1), 401, 'a revoked token is refused');

    const t2 = await cloud.token('bob', 'pw-b', 'tenant-b');
    await cloud.openstack(['user', 'set', '--password', 'pw-b2', 'bob']);
    assert.equal(await valid(t2), 401, 'a password change revokes older tokens');

    const t3 = await cloud.token('bob', 'pw-b2', 'tenant-b');
    await cloud.openstack(['role', 'remove', '--project', 'tenant-b', '--user', 'bob', 'member']);
    assert.equal(await valid(t3), 401, 'removing the only role revokes');

    await cloud.openstack(['role', 'add', '--project', 'tenant-b', '--user', 'bob', 'reader']);
    const t4 = await cloud.token('bob', 'pw-b2', 'tenant-b');
    await cloud.openstack(['project', 'set', '--disable', 'tenant-b']);
    assert.equal(await valid(t4), 401, 'disabling the project revokes');
  });

  it('issues v2.0 tokens with a tenant and catalog for pkgcloud, and lists tenants', async () => {
    const res = await cloud.request('POST', '/identity/v2.0/tokens', { body: { auth: { passwordCredentials: { username: 'admin', password: cloud.adminPassword }, tenantName: 'admin' } } });
    assert.equal(res.status, 200);
    assert.equal(res.body.access.token.tenant.name, 'admin');
    assert.ok(res.body.access.serviceCatalog.some((s: { type: string; endpoints: Array<{ publicURL: string; region: string }> }) => s.type === 'identity' && s.endpoints[0]!.publicURL === `${cloud.url}/identity`));
    const tenants = await cloud.request('GET', '/identity/v2.0/tenants', { token: res.body.access.token.id });
    assert.ok(tenants.body.tenants.some((t: { name: string }) => t.name === 'admin'));
  });

  it('authenticates with an application credential, scoped to its project', async () => {
    const created = JSON.parse(await cloud.openstack(['application', 'credential', 'create', 'ci-bot', '-f', 'json'])) as { id: string; secret: string; project_id: string };
    const res = await cloud.request('POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: created.id, secret: created.secret } } } } });
    assert.equal(res.status, 201);
    assert.equal(res.body.token.project.id, created.project_id);
    const wrong = await cloud.request('POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: created.id, secret: 'x' } } } } });
    assert.equal(wrong.status, 401);
  });
});
