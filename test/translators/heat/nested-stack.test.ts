import assert from 'node:assert/strict';
import { compileStack, parseEnvironment, TemplateLimitError } from '../../../translators/heat/index.js';
import { builtinRegistry, IDENTITY } from './heat-test-helpers.js';

const CHILD = `heat_template_version: 2018-08-31
parameters:
  size: {type: number}
resources:
  pw:
    type: OS::Heat::Value
    properties: {value: {str_replace: {template: "S-N", params: {S: {get_param: "OS::stack_name"}, N: {get_param: size}}}}, type: string}
outputs:
  role: {value: {get_attr: [pw, value]}}
  facade: {value: {resource_facade: metadata}}
`;

describe('translators/heat: template resources (nested stacks)', () => {
  it('compiles a nested stack from a parent resource: properties become parameters, metadata the facade', async () => {
    const files: Record<string, string> = { 'file:///t/child.yaml': CHILD };
    const env = parseEnvironment({ resource_registry: { 'My::Child': 'file:///t/child.yaml' } });
    const parent = await compileStack({
      heat_template_version: '2018-08-31',
      resources: { kid: { type: 'My::Child', properties: { size: 3 }, metadata: { tier: 'back' } } },
    }, { identity: IDENTITY, environment: env, files, registry: builtinRegistry() });
    const def = parent.resources.get('kid')!;
    assert.equal(def.mapping.kind, 'template');
    const child = await compileStack(files[(def.mapping as { template: string }).template]!, {
      identity: { ...IDENTITY, stackName: 'teststack-kid-abc', stackId: 'child-id' },
      parameters: await parent.properties('kid'),
      facade: { metadata: await parent.metadata('kid'), deletionPolicy: def.deletionPolicy },
      depth: 1, files, registry: builtinRegistry(), filename: 'file:///t/child.yaml',
    });
    assert.equal(child.parameters.get('size'), 3);
    assert.deepEqual(await child.outputValue('facade'), { tier: 'back' });
    assert.deepEqual(await child.properties('pw'), { value: 'teststack-kid-abc-3', type: 'string' });
  });

  it('refuses nesting beyond the configured depth', async () => {
    await assert.rejects(compileStack(CHILD, { identity: IDENTITY, parameters: { size: 1 }, depth: 3, limits: { maxNestedDepth: 2 } }),
      (err: unknown) => err instanceof TemplateLimitError && /stacks nest 3 deep, more than the limit of 2/.test(err.message));
  });
});
