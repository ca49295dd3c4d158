import assert from 'node:assert/strict';
import { compileStack, mergeEnvironments, parseEnvironment, parseTemplate, requestEnvironment, resolveResourceType } from '../../../translators/heat/index.js';
import { builtinRegistry, IDENTITY, rejectsTemplate } from './heat-test-helpers.js';

const TEMPLATE = {
  heat_template_version: '2018-08-31',
  resources: {
    net: { type: 'OS::Networking::Net' },
    db: { type: 'My::Database', properties: { size: 2 } },
    web: { type: 'My::Database' },
  },
};

describe('translators/heat: environments', () => {
  it('maps types to types, wildcards and per-resource overrides', async () => {
    const env = parseEnvironment([
      'resource_registry:',
      '  "OS::Networking::*": "OS::Heat::*"',
      '  My::Database: OS::Heat::RandomString',
      '  resources:',
      '    web:',
      '      My::Database: OS::Heat::None',
      '      hooks: pre-create',
    ].join('\n'));
    assert.deepEqual(resolveResourceType(env, 'x', 'OS::Networking::Net'), { kind: 'type', type: 'OS::Heat::Net' });
    assert.deepEqual(resolveResourceType(env, 'db', 'My::Database'), { kind: 'type', type: 'OS::Heat::RandomString' });
    assert.deepEqual(resolveResourceType(env, 'web', 'My::Database'), { kind: 'type', type: 'OS::Heat::None' });
    assert.deepEqual(resolveResourceType(env, 'x', 'OS::Nova::Server'), { kind: 'type', type: 'OS::Nova::Server' });
  });

  it('maps a type to a template file, which must be in the files map', async () => {
    const env = parseEnvironment({ resource_registry: { 'My::Database': 'file:///tmp/db.yaml', 'OS::Networking::Net': 'OS::Heat::None' } });
    const files = { 'file:///tmp/db.yaml': 'heat_template_version: 2018-08-31\n' };
    const stack = await compileStack(TEMPLATE, { identity: IDENTITY, environment: env, files, registry: builtinRegistry() });
    assert.deepEqual(stack.resources.get('db')!.mapping, { kind: 'template', template: 'file:///tmp/db.yaml', type: 'My::Database' });
    assert.deepEqual(stack.resources.get('net')!.mapping, { kind: 'type', type: 'OS::Heat::None' });
    await rejectsTemplate(compileStack(TEMPLATE, { identity: IDENTITY, environment: env, registry: builtinRegistry() }),
      /resources\.db\.type: template "file:\/\/\/tmp\/db\.yaml" for type My::Database is not in the files map/);
  });

  it('refuses an unknown type, saying which mapping led to it', async () => {
    const env = parseEnvironment({ resource_registry: { 'My::Database': 'OS::Trove::Instance', 'OS::Networking::Net': 'OS::Heat::None' } });
    await rejectsTemplate(compileStack(TEMPLATE, { identity: IDENTITY, environment: env, registry: builtinRegistry() }),
      /resources\.db\.type: unknown resource type "OS::Trove::Instance" \(mapped from My::Database by the environment\)/);
    await rejectsTemplate(compileStack(TEMPLATE, { identity: IDENTITY, registry: builtinRegistry() }), /resources\.net\.type: unknown resource type "OS::Networking::Net"/);
  });

  it('refuses registry loops', () => {
    const env = parseEnvironment({ resource_registry: { 'A::B': 'C::D', 'C::D': 'A::B' } });
    assert.throws(() => resolveResourceType(env, 'r', 'A::B'), /the resource registry maps types in a loop: A::B -> C::D -> A::B/);
  });

  it('merges environments in order, later ones winning', () => {
    const first = parseEnvironment('parameters: {a: 1, b: 1}\nparameter_defaults: {x: 1}\nresource_registry:\n  T::A: T::One\n  resources:\n    r: {T::A: T::R1, T::B: T::R2}\n');
    const second = parseEnvironment('parameters: {b: 2}\nparameter_defaults: {y: 2}\nresource_registry:\n  T::A: T::Two\n  resources:\n    r: {T::B: T::R3}\n');
    const env = mergeEnvironments([first, second]);
    assert.deepEqual(env.parameters, { a: 1, b: 2 });
    assert.deepEqual(env.parameterDefaults, { x: 1, y: 2 });
    assert.deepEqual(env.typeMappings, { 'T::A': 'T::Two' });
    assert.deepEqual(env.resourceMappings, { r: { 'T::A': 'T::R1', 'T::B': 'T::R3' } });
    assert.deepEqual(resolveResourceType(env, 'r', 'T::A'), { kind: 'type', type: 'T::R1' });
    assert.deepEqual(resolveResourceType(env, 'other', 'T::A'), { kind: 'type', type: 'T::Two' });
  });

  it('refuses unknown sections and malformed registries, with the file and line', () => {
    assert.throws(() => parseEnvironment('parameters: {a: 1}\nparamters: {b: 2}\n', { filename: 'env.yaml' }),
      /^TemplateError: env\.yaml:2: paramters: environment has an unknown section "paramters"|env\.yaml:2: paramters: environment has an unknown section "paramters"/);
    assert.throws(() => parseEnvironment('resource_registry:\n  T::A: [x]\n', { filename: 'env.yaml' }), /env\.yaml:2: resource_registry\.T::A: a resource type must map to a type name or a template file/);
    assert.throws(() => parseEnvironment('resource_registry:\n  "T::*": T::B\n'), /a wildcard type must map to a wildcard type/);
    assert.throws(() => parseEnvironment('parameters: [a]\n'), /parameters must be a mapping/);
    assert.throws(() => parseEnvironment('parameters: {a: 1\n', { filename: 'env.yaml' }), /env\.yaml:\d+: environment is not valid YAML/);
  });

  it('takes a template file written directly as a type', async () => {
    const doc = { heat_template_version: '2018-08-31', resources: { sub: { type: 'file:///t/sub.yaml', properties: { size: 1 } } } };
    const stack = await compileStack(doc, { identity: IDENTITY, registry: builtinRegistry(), files: { 'file:///t/sub.yaml': 'heat_template_version: 2018-08-31\n' } });
    assert.deepEqual(stack.resources.get('sub')!.mapping, { kind: 'template', template: 'file:///t/sub.yaml', type: 'file:///t/sub.yaml' });
    assert.deepEqual(await stack.properties('sub'), { size: 1 });
    await rejectsTemplate(compileStack(doc, { identity: IDENTITY, registry: builtinRegistry() }), /template "file:\/\/\/t\/sub\.yaml" for type file:\/\/\/t\/sub\.yaml is not in the files map/);
  });

  it('applies parameter_merge_strategies across environment files', () => {
    const { parameters } = parseTemplate({
      heat_template_version: '2018-08-31',
      parameters: { j: { type: 'json' }, l: { type: 'comma_delimited_list' }, s: { type: 'string' }, n: { type: 'number' }, o: { type: 'string' }, b: { type: 'boolean' } },
    });
    const first = parseEnvironment({ parameter_defaults: { j: { a: { x: 1 }, k: 'v' }, l: 'a,b', s: 'ab', n: 1, o: 'old' } });
    const second = parseEnvironment({
      parameter_merge_strategies: { default: 'merge', j: 'deep_merge', o: 'overwrite' },
      parameter_defaults: { j: { a: { y: 2 } }, l: 'c', s: 'cd', n: 2, o: 'new' },
    });
    // The first file used the default strategy (overwrite) for j, l, s, n: the second conflicts unless it names the same.
    assert.throws(() => mergeEnvironments([first, second], parameters), /parameter "j" is given merge strategy "deep_merge", conflicting with "overwrite"/);
    const firstMerging = parseEnvironment({ parameter_merge_strategies: { default: 'merge', j: 'deep_merge', o: 'overwrite' }, parameter_defaults: { j: { a: { x: 1 }, k: 'v' }, l: 'a,b', s: 'ab', n: 1, o: 'old' } });
    const merged = mergeEnvironments([firstMerging, second], parameters);
    assert.deepEqual(merged.parameterDefaults, { j: { a: { x: 1, y: 2 }, k: 'v' }, l: 'a,b,c', s: 'abcd', n: 3, o: 'new' });
    const booleans = parseEnvironment({ parameter_merge_strategies: { default: 'merge' }, parameters: { b: true } });
    assert.throws(() => mergeEnvironments([booleans, booleans], parameters), /merge strategy "merge" is not valid for the boolean parameter "b"/);
    assert.throws(() => parseEnvironment({ parameter_merge_strategies: { j: 'append' } }), /merge strategy must be one of overwrite, merge, deep_merge/);
  });

  it('builds a request\'s environment from the body and environment_files in the files map', () => {
    const files = { 'file:///e/one.yaml': 'parameters: {a: one, b: one}\n', 'file:///e/two.yaml': 'parameters: {b: two}\nresource_registry: {"My::T": OS::Heat::None}\n' };
    const env = requestEnvironment({ environment: { parameters: { a: 'body', c: 'body' } }, environmentFiles: ['file:///e/one.yaml', 'file:///e/two.yaml'], files });
    assert.deepEqual(env.parameters, { a: 'one', c: 'body', b: 'two' });
    assert.deepEqual(env.typeMappings, { 'My::T': 'OS::Heat::None' });
    assert.throws(() => requestEnvironment({ environmentFiles: ['file:///e/three.yaml'], files }), /environment file file:\/\/\/e\/three\.yaml is not in the files map/);
    assert.throws(() => requestEnvironment({ environmentFiles: ['file:///e/bad.yaml'], files: { 'file:///e/bad.yaml': 'parameters: {a: 1}\nbogus: 1\n' } }),
      /file:\/\/\/e\/bad\.yaml:2: bogus: environment has an unknown section "bogus"/);
  });
});
