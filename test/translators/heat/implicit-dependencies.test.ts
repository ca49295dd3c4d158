/** Heat's implicit dependencies: a type's `waitsForPeers` orders it after the peers sharing its `via` resource. */
import assert from 'node:assert/strict';
import { builtinResourceTypes, compileStack, ResourceTypeRegistry, type ResourceType } from '../../../translators/heat/index.js';
import { IDENTITY } from './heat-test-helpers.js';

const stub = (name: string, extra: Partial<ResourceType> = {}): ResourceType => ({
  name, description: name, anyProperties: true, properties: {}, attributes: {},
  handler: { create: async () => ({ physicalId: name, data: {} }), delete: async () => undefined, attribute: async () => null },
  ...extra,
});

const registry = () => new ResourceTypeRegistry([
  ...builtinResourceTypes(), stub('Test::Net'), stub('Test::Subnet'),
  stub('Test::Server', { waitsForPeers: { peer: 'Test::Subnet', via: 'Test::Net' } }),
]);

describe('translators/heat: implicit dependencies', () => {
  it('a resource on a network waits for the subnets of that network only, and is deleted before them', async () => {
    const stack = await compileStack({
      heat_template_version: '2018-08-31',
      resources: {
        net: { type: 'Test::Net' },
        other: { type: 'Test::Net' },
        sub: { type: 'Test::Subnet', properties: { network: { get_resource: 'net' } } },
        other_sub: { type: 'Test::Subnet', properties: { network: { get_resource: 'other' } } },
        server: { type: 'Test::Server', properties: { network: { get_resource: 'net' } } },
        lone: { type: 'Test::Server' },
      },
    }, { identity: IDENTITY, registry: registry() });
    assert.deepEqual([...stack.graph.dependenciesOf('server')].sort(), ['net', 'sub']);
    assert.deepEqual(stack.graph.dependenciesOf('lone'), []);
    assert.ok(stack.graph.dependentsOf('sub').includes('server'));
  });

  it('leaves out an implicit edge that would close a loop the template made', async () => {
    const stack = await compileStack({
      heat_template_version: '2018-08-31',
      resources: {
        net: { type: 'Test::Net' },
        server: { type: 'Test::Server', properties: { network: { get_resource: 'net' } } },
        sub: { type: 'Test::Subnet', properties: { network: { get_resource: 'net' } }, depends_on: 'server' },
      },
    }, { identity: IDENTITY, registry: registry() });
    assert.deepEqual(stack.graph.dependenciesOf('server'), ['net']);
  });
});
