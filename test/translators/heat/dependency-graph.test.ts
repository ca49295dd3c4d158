import assert from 'node:assert/strict';
import { compileStack, DependencyGraph, findCycle } from '../../../translators/heat/index.js';
import { IDENTITY, rejectsTemplate } from './heat-test-helpers.js';

// net <- subnet <- port <- server -> volume ; pw is independent; attach after server and volume.
const STACK = `heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Heat::None
  subnet:
    type: OS::Heat::None
    properties: {network: {get_resource: net}}
  port:
    type: OS::Heat::None
    properties: {fixed_ips: [{subnet: {get_resource: subnet}}]}
  volume:
    type: OS::Heat::None
  server:
    type: OS::Heat::None
    depends_on: volume
    properties:
      networks: [{port: {get_resource: port}}]
      name: {get_attr: [pw, value]}
  pw:
    type: OS::Heat::RandomString
  attach:
    type: OS::Heat::None
    properties: {server: {get_resource: server}, volume: {get_resource: volume}}
`;

describe('translators/heat: dependency graph', () => {
  it('creates in parallel waves and deletes in reverse', async () => {
    const { graph } = await compileStack(STACK, { identity: IDENTITY });
    assert.deepEqual(graph.createWaves(), [['net', 'volume', 'pw'], ['subnet'], ['port'], ['server'], ['attach']]);
    assert.deepEqual(graph.deleteWaves(), [['attach'], ['server'], ['port', 'volume', 'pw'], ['subnet'], ['net']]);
    assert.deepEqual(graph.dependenciesOf('server'), ['volume', 'port', 'pw']);
    assert.deepEqual(graph.dependentsOf('volume'), ['server', 'attach']);
  });

  it('answers the ready set for a completed (and started) set', async () => {
    const { graph } = await compileStack(STACK, { identity: IDENTITY });
    assert.deepEqual(graph.readyToCreate(new Set()), ['net', 'volume', 'pw']);
    assert.deepEqual(graph.readyToCreate(new Set(['net']), new Set(['volume', 'pw'])), ['subnet']);
    assert.deepEqual(graph.readyToCreate(new Set(['net', 'subnet', 'port', 'volume'])), ['pw']);
    assert.deepEqual(graph.readyToCreate(new Set(['net', 'subnet', 'port', 'volume', 'pw'])), ['server']);
    assert.deepEqual(graph.readyToDelete(new Set()), ['attach']);
    assert.deepEqual(graph.readyToDelete(new Set(['attach', 'server'])), ['port', 'volume', 'pw']);
  });

  it('refuses a cycle, naming it, with the line of the resource', async () => {
    const text = 'heat_template_version: 2018-08-31\nresources:\n  web:\n    type: OS::Heat::None\n    properties: {db: {get_attr: [db, x]}}\n  db:\n    type: OS::Heat::None\n    depends_on: [web]\n';
    const err = await rejectsTemplate(compileStack(text, { identity: IDENTITY, filename: 'cycle.yaml' }), /circular dependency between resources: web -> db -> web/);
    assert.equal(err.line, 3);
    assert.match(err.message, /^cycle\.yaml:3: resources\.web: /);
  });

  it('finds longer cycles and none in a DAG', () => {
    assert.deepEqual(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', []]])), ['a', 'b', 'c', 'a']);
    assert.equal(findCycle(new Map([['a', ['b']], ['b', []], ['c', ['a', 'b']]])), undefined);
    assert.throws(() => new DependencyGraph(new Map([['a', ['a']]])), /circular dependency between resources: a -> a/);
    assert.throws(() => new DependencyGraph(new Map([['a', ['zz']]])), /resource "a" depends on "zz", which is not in the stack/);
  });

  it('refuses depends_on naming an unknown resource or itself', async () => {
    const make = (dep: unknown) => ({ heat_template_version: '2018-08-31', resources: { a: { type: 'OS::Heat::None', depends_on: dep }, b: { type: 'OS::Heat::None' } } });
    await rejectsTemplate(compileStack(make(['b', 'c']), { identity: IDENTITY }), /resources\.a\.depends_on: resource "c" in depends_on is not defined/);
    await rejectsTemplate(compileStack(make('a'), { identity: IDENTITY }), /resource "a" cannot depend on itself/);
    await rejectsTemplate(compileStack(make({ b: 1 }), { identity: IDENTITY }), /depends_on must be a resource name or a list of resource names/);
    const ok = await compileStack(make('b'), { identity: IDENTITY });
    assert.deepEqual(ok.graph.createWaves(), [['b'], ['a']]);
  });
});
