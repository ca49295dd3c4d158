/**
 * The metadata server's one POST: a wait condition signal, handed to Heat's store over the
 * real HTTP listener (as a server's curl reaches it after the bridge's DNAT). Only a signal
 * path with the handle's token is taken; every refusal records nothing. The in-server path
 * end to end, with the heat client, is in wait-condition.test.ts.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { type CloudDatabase, migrateService, openCloudDatabase } from '../../../api/http/cloud-database.js';
import { MetadataServer } from '../../../api/network/metadata-server.js';
import { registerMetadataSignalReceiver } from '../../../api/network/metadata-signals.js';
import { neutronMigrations } from '../../../api/network/neutron-schema.js';
import { NeutronStore } from '../../../api/network/neutron-store.js';
import { orchestrationMigrations } from '../../../api/orchestration/heat-schema.js';
import { StackStore } from '../../../api/orchestration/stack-store.js';
import { metadataSignalReceiver, signalPath } from '../../../api/orchestration/wait-condition-signal.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('wait condition signals through the metadata server', () => {
  let dir: string;
  let db: CloudDatabase;
  let stacks: StackStore;
  let metadata: MetadataServer;
  let base: string;
  const token = 'a'.repeat(48);
  const target = { projectId: 'p1', stackName: 'web', stackId: 's-1', resource: 'handle' };
  const post = (urlPath: string, body: string) => fetch(`${base}${urlPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const signalled = () => stacks.signals('h-1');

  before(async () => {
    dir = makeTempDir('metadata-signals');
    db = openCloudDatabase(path.join(dir, 'cloud'));
    migrateService(db, 'network', neutronMigrations);
    migrateService(db, 'orchestration', orchestrationMigrations);
    stacks = new StackStore(db);
    stacks.insert({
      id: 's-1', name: 'web', projectId: 'p1', userId: 'u1', status: 'CREATE_IN_PROGRESS', statusReason: '', description: '', template: {}, environment: {},
      files: {}, parameters: {}, disableRollback: false, tags: [],
      caller: { tokenId: 't', userId: 'u1', userName: 'u', userDomainId: 'default', projectId: 'p1', projectName: 'p1', roles: ['member'], expiresAt: new Date(0) },
    });
    stacks.upsertResource('s-1', 'handle', 'OS::Heat::WaitConditionHandle', 'CREATE_COMPLETE', '', { physicalId: 'h-1', data: { token } });
    stacks.upsertResource('s-1', 'ready', 'OS::Heat::WaitCondition', 'CREATE_IN_PROGRESS', '', { physicalId: 'w-1', data: {} });
    registerMetadataSignalReceiver(db, metadataSignalReceiver(stacks));
    metadata = new MetadataServer(new NeutronStore(db), db);
    base = `http://127.0.0.1:${await metadata.start()}`;
  });
  after(async () => {
    await metadata?.close();
    db?.close();
    if (dir) removeTempDir(dir);
  });

  it('records a signal sent with the handle\'s token', async () => {
    const response = await post(`${signalPath(target)}?token=${token}`, '{"status": "SUCCESS", "id": "db", "data": "ready"}');
    assert.equal(response.status, 200);
    assert.deepEqual(signalled(), [{ status: 'SUCCESS', id: 'db', data: 'ready' }]);
  });

  it('refuses a wrong or missing token, another resource, an unknown stack and a bad body, recording nothing', async () => {
    const before = signalled().length;
    const cases: Array<[string, string, number, RegExp]> = [
      [`${signalPath(target)}?token=${'b'.repeat(48)}`, '{}', 401, /signal token is not valid/],
      [signalPath(target), '{}', 401, /signal token is not valid/],
      [`${signalPath({ ...target, resource: 'ready' })}?token=${token}`, '{}', 404, /Resource \(ready\) could not be found/],
      [`${signalPath({ ...target, stackId: 's-2' })}?token=${token}`, '{}', 404, /could not be found/],
      [`${signalPath({ ...target, stackName: 'other' })}?token=${token}`, '{}', 404, /could not be found/],
      [`${signalPath(target)}?token=${token}`, '{"status": ', 400, /not JSON/],
      [`${signalPath(target)}?token=${token}`, '{"status": "MAYBE"}', 400, /SUCCESS or FAILURE/],
      [`${signalPath(target)}?token=${token}`, '["SUCCESS"]', 400, /JSON object/],
      [`${signalPath(target)}?token=${token}`, JSON.stringify({ data: 'x'.repeat(70 * 1024) }), 413, /at most/],
    ];
    for (const [urlPath, body, status, message] of cases) {
      const response = await post(urlPath, body);
      assert.equal(response.status, status, `${urlPath} ${body.slice(0, 40)}`);
      assert.match(await response.text(), message);
    }
    assert.equal(signalled().length, before);
  });

  it('stays GET-only everywhere else', async () => {
    assert.equal((await post('/openstack/latest/meta_data.json', '{}')).status, 405);
    assert.equal((await post('/heat-api/v1/p1/stacks/web/s-1/resources/handle', '{}')).status, 405);
    assert.equal((await fetch(`${base}${signalPath(target)}?token=${token}`, { method: 'PUT', body: '{}' })).status, 405);
    // A GET of the signal path is an ordinary metadata lookup, which answers only servers' addresses.
    assert.equal((await fetch(`${base}${signalPath(target)}?token=${token}`)).status, 404);
  });
});
