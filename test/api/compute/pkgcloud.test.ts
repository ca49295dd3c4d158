/**
 * npm pkgcloud 2.2 against the cloud, in both of its identity modes (Keystone v2.0, its
 * default, and v3): flavors, images through Nova's image proxy, create, list, reboot,
 * snapshot and destroy a server.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { until } from '../../helpers/poll.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeServerImage } from './cloud-images.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-var-requires
const pkgcloud = require('pkgcloud') as { compute: { createClient(options: object): any } };

/** Calls a pkgcloud callback-style method as a promise. */
function call<T>(client: any, method: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => client[method](...args, (err: Error | null, value: T) => (err ? reject(err) : resolve(value))));
}

describe('compute with npm pkgcloud', function () {
  this.timeout(240_000);
  let cloud: TestCloud;
  let work: string;

  before(async () => {
    cloud = await startTestCloud('pkgcloud');
    work = makeTempDir('pkgcloud-work');
    await cloud.openstack(['image', 'create', '--file', makeServerImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'bb']);
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  for (const mode of ['v2.0', 'v3'] as const) {
    it(`drives a server's life in Keystone ${mode} mode`, async () => {
      const client = pkgcloud.compute.createClient({
        provider: 'openstack', username: 'admin', password: cloud.adminPassword, authUrl: `${cloud.url}/identity`,
        region: 'RegionOne', tenantName: 'admin', ...(mode === 'v3' && { keystoneAuthVersion: 'v3', domainName: 'Default', projectDomainName: 'Default' }),
      });
      const flavors = await call<Array<{ id: string; name: string; ram: number }>>(client, 'getFlavors');
      const tiny = flavors.find((f) => f.name === 'm1.tiny');
      assert.ok(tiny && tiny.ram === 512);
      const images = await call<Array<{ id: string; name: string }>>(client, 'getImages');
      const image = images.find((i) => i.name === 'bb');
      assert.ok(image, 'the Glance image is listed through the Nova image proxy');

      const created = await call<{ id: string; adminPass: string }>(client, 'createServer', { name: `pk-${mode}`, flavor: tiny.id, image: image.id });
      assert.ok(created.id);
      const running = await until(async () => {
        const s = await call<{ status: string; name: string }>(client, 'getServer', created.id);
        return s.status === 'RUNNING' ? s : undefined;
      });
      assert.equal(running.name, `pk-${mode}`);
      const servers = await call<Array<{ id: string }>>(client, 'getServers');
      assert.ok(servers.some((s) => s.id === created.id));

      await call(client, 'rebootServer', created.id);
      await until(async () => ((await call<{ status: string }>(client, 'getServer', created.id)).status === 'RUNNING' ? true : undefined));

      const snapshot = await call<{ id: string; name: string }>(client, 'createImage', { name: `snap-${mode}`, server: created.id });
      assert.equal(snapshot.name, `snap-${mode}`);
      await until(async () => ((await call<{ status: string }>(client, 'getImage', snapshot.id)).status === 'ACTIVE' ? true : undefined));

      await call(client, 'destroyServer', created.id);
      await until(async () => ((await call<Array<{ id: string }>>(client, 'getServers')).some((s) => s.id === created.id) ? undefined : true));
    });
  }
});
