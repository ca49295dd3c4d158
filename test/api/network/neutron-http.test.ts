/**
 * Neutron over HTTP as clients see it when they go wrong: Neutron's fault format, 401
 * without a token, refusals that change nothing (no row, no engine network), 409s for
 * objects in use, discovery, extensions and quotas.
 */
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';

describe('Neutron v2.0 over HTTP', function () {
  this.timeout(120_000);
  let cloud: TestCloud;
  let token: string;
  const api = (method: string, path: string, body?: unknown) => cloud.request(method, `/network/v2.0${path}`, { token, ...(body !== undefined && { body }) });
  const engineNetworks = async () => (JSON.parse((await runCli(cloud.dataDir, ['network', 'ls', '--format', 'json'])).stdout) as Array<{ Name: string }>).map((n) => n.Name).filter((n) => n.startsWith('os-'));

  before(async () => {
    cloud = await startTestCloud('neutron-http');
    token = await cloud.token('admin', cloud.adminPassword, 'admin');
  });
  after(async () => {
    await cloud?.stop();
  });

  it('answers discovery, extensions and quotas, and 401 without a token', async () => {
    const root = await cloud.request('GET', '/network/');
    assert.equal(root.body.versions[0].id, 'v2.0');
    const exts = await api('GET', '/extensions');
    assert.ok(exts.body.extensions.some((e: { alias: string }) => e.alias === 'security-group'));
    const catalog = await cloud.request('POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: ['token'], token: { id: token } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } } });
    const projectId = catalog.body.token.project.id as string;
    assert.ok(catalog.body.token.catalog.some((s: { type: string; name: string }) => s.type === 'network' && s.name === 'neutron'));
    const quota = await api('GET', `/quotas/${projectId}`);
    assert.equal(quota.status, 200);
    assert.equal(typeof quota.body.quota.network, 'number');
    const details = await api('GET', `/quotas/${projectId}/details`);
    assert.deepEqual(Object.keys(details.body.quota.port), ['limit', 'used', 'reserved']);
    const anonymous = await cloud.request('GET', '/network/v2.0/networks');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.NeutronError.type, 'NotAuthenticated');
  });

  it('refuses bad input in Neutron\'s fault format and leaves nothing behind', async () => {
    const missing = await api('GET', '/networks/00000000-0000-0000-0000-000000000000');
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(missing.body.NeutronError).sort(), ['detail', 'message', 'type']);
    const net = (await api('POST', '/networks', { network: { name: 'n1' } })).body.network;
    for (const cidr of ['10.77.0.0/33', '10.77.0.1/24', '127.0.5.0/24', 'nonsense']) {
      const bad = await api('POST', '/subnets', { subnet: { network_id: net.id, cidr, ip_version: 4 } });
      assert.equal(bad.status, 400, cidr);
      assert.ok(bad.body.NeutronError.message);
    }
    assert.deepEqual((await api('GET', `/subnets?network_id=${net.id}`)).body.subnets, []);
    assert.deepEqual(await engineNetworks(), []);
    const ok = await api('POST', '/subnets', { subnet: { network_id: net.id, cidr: '10.77.0.0/24', ip_version: 4 } });
    assert.equal(ok.status, 201);
    const net2 = (await api('POST', '/networks', { network: { name: 'n2' } })).body.network;
    const overlap = await api('POST', '/subnets', { subnet: { network_id: net2.id, cidr: '10.77.0.128/25', ip_version: 4 } });
    assert.equal(overlap.status, 400);
    assert.match(overlap.body.NeutronError.message, /overlaps/);
    assert.equal((await engineNetworks()).length, 1);
    const rule = await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: 'nope', direction: 'ingress' } });
    assert.equal(rule.status, 404);
    const sg = (await api('POST', '/security-groups', { security_group: { name: 'g' } })).body.security_group;
    const badPorts = await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 90, port_range_max: 80 } });
    assert.equal(badPorts.status, 400);
    assert.equal((await api('GET', `/security-groups/${sg.id}`)).body.security_group.security_group_rules.length, 2, 'only the two default egress rules');
    const port = (await api('POST', '/ports', { port: { network_id: net.id, security_groups: [sg.id] } })).body.port;
    assert.match(port.mac_address, /^fa:16:3e:/);
    assert.equal((await api('DELETE', `/security-groups/${sg.id}`)).status, 409, 'a group in use stays');
    assert.equal((await api('DELETE', `/ports/${port.id}`)).status, 204);
    assert.equal((await api('DELETE', `/security-groups/${sg.id}`)).status, 204);
    assert.equal((await api('DELETE', `/networks/${net.id}`)).status, 204);
    assert.equal((await api('DELETE', `/networks/${net2.id}`)).status, 204);
    assert.deepEqual(await engineNetworks(), []);
  });
});
