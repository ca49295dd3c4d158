import assert from 'node:assert/strict';
import {
  builtinResourceTypes, checkProperties, physicalResourceName, replaceDeferred, compileStack, planResourceUpdate, ResourceTypeRegistry, selectPath,
  type ResourceContext, type ResourceState, type Resolver, type StackDefinition,
} from '../../../translators/heat/index.js';
import { builtinRegistry, IDENTITY, rejectsTemplate } from './heat-test-helpers.js';

const registry = builtinRegistry();
const randomString = registry.get('OS::Heat::RandomString')!;
const value = registry.get('OS::Heat::Value')!;
const none = registry.get('OS::Heat::None')!;

function ctx(resourceName: string): ResourceContext {
  return { ...IDENTITY, resourceName, physicalName: `${IDENTITY.stackName}-${resourceName}-abc123`, clients: undefined };
}

/**
 * Creates a stack's resources wave by wave the way the service will: properties are
 * evaluated only when a resource's dependencies exist, through a resolver over the states.
 */
async function createAll(stack: StackDefinition): Promise<{ states: Map<string, ResourceState>; resolver: Resolver }> {
  const states = new Map<string, ResourceState>();
  const typeOf = (name: string) => registry.get((stack.resources.get(name)!.mapping as { type: string }).type)!;
  const resolver: Resolver = {
    getResource: (name) => typeOf(name).handler.referenceId?.(states.get(name)!) ?? states.get(name)!.physicalId,
    getAttr: async (name, path) => selectPath(await typeOf(name).handler.attribute(ctx(name), states.get(name)!, String(path[0])), path.slice(1)),
  };
  for (const wave of stack.graph.createWaves()) {
    await Promise.all(wave.map(async (name) => {
      states.set(name, await typeOf(name).handler.create(ctx(name), await stack.properties(name, resolver)));
    }));
  }
  return { states, resolver };
}

describe('translators/heat: resource types and properties', () => {
  it('creates a RandomString, a Value reading it and a None, resolving references lazily', async () => {
    const stack = await compileStack({
      heat_template_version: '2018-08-31',
      resources: {
        pw: { type: 'OS::Heat::RandomString', properties: { length: 24, character_classes: [{ class: 'digits', min: 4 }, { class: 'uppercase' }] } },
        conf: { type: 'OS::Heat::Value', properties: { value: { str_replace: { template: 'password=$P', params: { $P: { get_attr: ['pw', 'value'] } } } } } },
        nothing: { type: 'OS::Heat::None', properties: { whatever: [1, 2] } },
      },
      outputs: { conf: { value: { get_attr: ['conf', 'value'] } }, ref: { value: { get_resource: 'pw' } }, none: { value: { get_attr: ['nothing', 'anything'] } } },
    }, { identity: IDENTITY, registry });
    const { states, resolver } = await createAll(stack);
    const password = states.get('pw')!.data.value as string;
    assert.match(password, /^[0-9A-Z]{24}$/);
    assert.ok(password.replace(/[^0-9]/g, '').length >= 4);
    assert.equal(await stack.outputValue('conf', resolver), `password=${password}`);
    assert.equal(await stack.outputValue('ref', resolver), password, 'get_resource on a RandomString is its value');
    assert.equal(await stack.outputValue('none', resolver), null);
    assert.equal(states.get('pw')!.physicalId, 'teststack-pw-abc123');
  });

  it('RandomString honours character sequences and its defaults, and refuses impossible minimums', async () => {
    const props = checkProperties(randomString, 'pw', { length: 10, character_sequences: [{ sequence: '!@#', min: 3 }], character_classes: [{ class: 'lowercase', min: 7 }] });
    const made = await randomString.handler.create(ctx('pw'), props);
    const text = made.data.value as string;
    assert.equal(text.length, 10);
    assert.equal(text.replace(/[^!@#]/g, '').length + text.replace(/[^a-z]/g, '').length, 10);
    assert.ok(text.replace(/[^!@#]/g, '').length >= 3);
    const defaults = await randomString.handler.create(ctx('pw'), checkProperties(randomString, 'pw', {}));
    assert.match(defaults.data.value as string, /^[A-Za-z0-9]{32}$/);
    const legacy = await randomString.handler.create(ctx('pw'), checkProperties(randomString, 'pw', { sequence: 'octdigits', character_classes: [], length: 8 }));
    assert.match(legacy.data.value as string, /^[0-7]{8}$/);
    assert.throws(() => checkProperties(randomString, 'pw', { length: 3, character_classes: [{ class: 'digits', min: 4 }] }),
      /resources\.pw\.properties\.length: length \(3\) cannot be smaller than the combined character class and sequence minimums \(4\)/);
  });

  it('refuses wrong properties, naming resources.<name>.properties.<property>', async () => {
    assert.throws(() => checkProperties(randomString, 'pw', { length: 'abc' }), /resources\.pw\.properties\.length: "abc" is not an integer/);
    assert.deepEqual(checkProperties(randomString, 'pw', { length: '12' }).length, 12);
    assert.throws(() => checkProperties(randomString, 'pw', { length: 0 }), /resources\.pw\.properties\.length: 0 is out of range \(min: 1, max: 512\)/);
    assert.throws(() => checkProperties(randomString, 'pw', { character_classes: [{ class: 'emoji' }] }), /resources\.pw\.properties\.character_classes\[0\]\.class: "emoji" is not an allowed value/);
    assert.throws(() => checkProperties(randomString, 'pw', { character_classes: [{ clas: 'digits' }] }), /character_classes\[0\]\.clas: unknown property "clas"/);
    assert.throws(() => checkProperties(randomString, 'pw', { character_sequences: [{ min: 1 }] }), /character_sequences\[0\]\.sequence: property "sequence" is required/);
    assert.throws(() => checkProperties(randomString, 'pw', { salt: ['x'] }), /resources\.pw\.properties\.salt: value must be a string/);
    assert.throws(() => checkProperties(value, 'v', {}), /resources\.v\.properties\.value: property "value" is required but has no value/);
    assert.throws(() => checkProperties(value, 'v', { value: 1, typ: 'x' }), /resources\.v\.properties\.typ: unknown property "typ" \(known: type, value\)/);
    assert.deepEqual(checkProperties(none, 'n', { a: 1, b: [2] }), { a: 1, b: [2] });
  });

  it('refuses wrong properties at compile time with the template line', async () => {
    const text = 'heat_template_version: 2018-08-31\nresources:\n  web:\n    type: OS::Heat::RandomString\n    properties:\n      length: 8\n      flavor: m1.small\n';
    const err = await rejectsTemplate(compileStack(text, { identity: IDENTITY, registry, filename: 'web.yaml' }), /unknown property "flavor"/);
    assert.match(err.message, /^web\.yaml:7: resources\.web\.properties\.flavor: /);
  });

  it('skips checks of values that depend on resources not yet created', async () => {
    const stack = await compileStack({
      heat_template_version: '2018-08-31',
      resources: { a: { type: 'OS::Heat::Value', properties: { value: 3 } }, pw: { type: 'OS::Heat::RandomString', properties: { length: { get_attr: ['a', 'value'] } } } },
    }, { identity: IDENTITY, registry });
    assert.equal(typeof (await stack.properties('pw')).length, 'symbol');
    assert.deepEqual(replaceDeferred(await stack.properties('pw')), { length: null, character_classes: [{ class: 'lettersdigits', min: 1 }] });
    const { states } = await createAll(stack);
    assert.equal((states.get('pw')!.data.value as string).length, 3);
  });

  it('Value converts to its declared type and updates in place', async () => {
    assert.throws(() => checkProperties(value, 'v', { value: 'not json', type: 'json' }), /resources\.v\.properties\.value: value must be valid JSON/);
    const created = await value.handler.create(ctx('v'), checkProperties(value, 'v', { value: '5', type: 'number' }));
    assert.equal(await value.handler.attribute(ctx('v'), created, 'value'), 5);
    const updated = await value.handler.update!(ctx('v'), created, checkProperties(value, 'v', { value: 'a,b', type: 'comma_delimited_list' }), ['value', 'type']);
    assert.deepEqual(await value.handler.attribute(ctx('v'), updated, 'value'), ['a', 'b']);
    assert.equal(updated.physicalId, created.physicalId);
  });

  it('None accepts anything, returns null attributes and a uuid id', async () => {
    const state = await none.handler.create(ctx('n'), { a: 1 });
    assert.match(state.physicalId, /^[0-9a-f-]{36}$/);
    assert.equal(await none.handler.attribute(ctx('n'), state, 'anything'), null);
    await none.handler.delete(ctx('n'), state);
  });

  it('plans in-place update or replacement from the schema', () => {
    assert.equal(planResourceUpdate(value, ['value']), 'update');
    assert.equal(planResourceUpdate(randomString, ['salt']), 'replace');
    assert.equal(planResourceUpdate(none, ['x']), 'update');
    const immutable = { ...value, properties: { ...value.properties, type: { ...value.properties.type!, immutable: true } } };
    assert.deepEqual(planResourceUpdate(immutable, ['type']), { refuse: 'type' });
  });

  it('the registry lists types and refuses duplicates', () => {
    const r = new ResourceTypeRegistry(builtinResourceTypes());
    assert.deepEqual(r.names(), ['OS::Heat::None', 'OS::Heat::RandomString', 'OS::Heat::Value']);
    assert.throws(() => r.register(value), /resource type 'OS::Heat::Value' is already registered/);
  });

  it('checks a service-defined type: required, allowed values, custom constraints (warned once)', async () => {
    const server = {
      name: 'Test::Server', description: 'a server schema for the test', attributes: { first_address: { description: 'IP' } },
      properties: {
        image: { type: 'string' as const, required: true, constraints: [{ kind: 'custom_constraint' as const, name: 'glance.image' }] },
        flavor: { type: 'string' as const, required: true, constraints: [{ kind: 'allowed_values' as const, values: ['m1.small', 'm1.large'] }] },
        networks: { type: 'list' as const, items: { type: 'map' as const, schema: { port: { type: 'string' as const } } } },
      },
      handler: none.handler,
    };
    const types = new ResourceTypeRegistry([...builtinResourceTypes(), server]);
    const text = (flavor: string) => `heat_template_version: 2018-08-31\nresources:\n  web:\n    type: Test::Server\n    properties:\n      image: debian\n      flavor: ${flavor}\n      networks: [{port: p1}]\n`;
    const stack = await compileStack(text('m1.small'), { identity: IDENTITY, registry: types });
    await stack.properties('web');
    assert.deepEqual(stack.warnings, ['resources.web.properties.image: custom constraint "glance.image" is not checked by this cloud']);
    const err = await rejectsTemplate(compileStack(text('m1.huge'), { identity: IDENTITY, registry: types, filename: 'T.yaml' }),
      /^T\.yaml:7: resources\.web\.properties\.flavor: "m1\.huge" is not an allowed value \["m1\.small", "m1\.large"\]$/);
    assert.equal(err.path, 'resources.web.properties.flavor');
    await rejectsTemplate(compileStack('heat_template_version: 2018-08-31\nresources:\n  web:\n    type: Test::Server\n    properties: {image: x}\n', { identity: IDENTITY, registry: types }),
      /resources\.web\.properties\.flavor: property "flavor" is required but has no value/);
    const images = new Map([['glance.image', (v: unknown) => (v === 'debian' ? undefined : `image ${String(v)} not found`)]]);
    await rejectsTemplate(compileStack(text('m1.small').replace('image: debian', 'image: gentoo'), { identity: IDENTITY, registry: types, customConstraints: images }),
      /resources\.web\.properties\.image: image gentoo not found/);
  });

  it('makes unique physical names that keep the stack and resource names', () => {
    const a = physicalResourceName('wp', 'db');
    assert.match(a, /^wp-db-[a-z0-9]{12}$/);
    assert.notEqual(a, physicalResourceName('wp', 'db'));
    const long = physicalResourceName('s'.repeat(200), 'r'.repeat(100), 64);
    assert.equal(long.length, 64);
    assert.match(long, /^s+-r+-[a-z0-9]{12}$/);
  });
});
