import assert from 'node:assert/strict';
import { compileStack, diffStacks } from '../../../translators/heat/index.js';
import { builtinRegistry, IDENTITY, rejectsTemplate } from './heat-test-helpers.js';

const OLD = {
  heat_template_version: '2018-08-31',
  parameters: { greeting: { type: 'string', default: 'hello' }, length: { type: 'number', default: 16 } },
  resources: {
    pw: { type: 'OS::Heat::RandomString', properties: { length: { get_param: 'length' } } },
    msg: { type: 'OS::Heat::Value', properties: { value: { str_replace: { template: 'G, world', params: { G: { get_param: 'greeting' } } } } } },
    uses_pw: { type: 'OS::Heat::Value', properties: { value: { get_attr: ['pw', 'value'] }, type: 'string' } },
    stub: { type: 'OS::Heat::None', properties: { anything: 1 } },
    gone: { type: 'OS::Heat::None' },
  },
};

function withChanges(change: (resources: Record<string, Record<string, unknown>>) => void): Record<string, unknown> {
  const copy = structuredClone(OLD) as { resources: Record<string, Record<string, unknown>> };
  change(copy.resources);
  return copy;
}

describe('translators/heat: update diff', () => {
  it('reports nothing changed for the same template and parameters', async () => {
    const a = await compileStack(OLD, { identity: IDENTITY });
    const b = await compileStack(OLD, { identity: IDENTITY });
    assert.deepEqual(await diffStacks(a, b), { unchanged: ['pw', 'msg', 'uses_pw', 'stub', 'gone'], update: [], replace: [], add: [], remove: [] });
  });

  it('a changed parameter changes only the resources that use it', async () => {
    const a = await compileStack(OLD, { identity: IDENTITY });
    const b = await compileStack(OLD, { identity: IDENTITY, parameters: { greeting: 'hi' } });
    const plan = await diffStacks(a, b, builtinRegistry());
    assert.deepEqual(plan.update, [{ name: 'msg', properties: ['value'], metadataChanged: false, updatePolicyChanged: false }]);
    assert.deepEqual(plan.unchanged, ['pw', 'uses_pw', 'stub', 'gone']);
  });

  it('replaces what cannot update in place, and cascades to references of replaced resources', async () => {
    const a = await compileStack(OLD, { identity: IDENTITY });
    const b = await compileStack(OLD, { identity: IDENTITY, parameters: { length: 20 } });
    const plan = await diffStacks(a, b, builtinRegistry());
    // RandomString properties are not updateAllowed: pw is replaced; uses_pw reads its value, and Value updates in place.
    assert.deepEqual(plan.replace, [{ name: 'pw', reason: 'properties length cannot be updated in place', properties: ['length'] }]);
    assert.deepEqual(plan.update, [{ name: 'uses_pw', properties: ['value'], metadataChanged: false, updatePolicyChanged: false }]);
    assert.deepEqual(plan.unchanged, ['msg', 'stub', 'gone']);
    // Without a registry the same change is only a candidate for the service to classify.
    const candidates = await diffStacks(a, b);
    assert.deepEqual(candidates.update.map((u) => [u.name, u.properties]), [['pw', ['length']]]);
  });

  it('reports type changes as replacements, and added and removed resources', async () => {
    const a = await compileStack(OLD, { identity: IDENTITY });
    const next = withChanges((r) => {
      r.stub = { type: 'OS::Heat::Value', properties: { value: 1 } };
      delete r.gone;
      r.fresh = { type: 'OS::Heat::None' };
    });
    const plan = await diffStacks(a, await compileStack(next, { identity: IDENTITY }), builtinRegistry());
    assert.deepEqual(plan.replace, [{ name: 'stub', reason: 'its type changed from OS::Heat::None to OS::Heat::Value', properties: [] }]);
    assert.deepEqual(plan.add, ['fresh']);
    assert.deepEqual(plan.remove, ['gone']);
    assert.deepEqual(plan.unchanged, ['pw', 'msg', 'uses_pw']);
  });

  it('updates OS::Heat::None in place whatever changes, and reports metadata changes', async () => {
    const a = await compileStack(OLD, { identity: IDENTITY });
    const next = withChanges((r) => {
      r.stub = { type: 'OS::Heat::None', properties: { anything: 2, more: true } };
      r.gone = { type: 'OS::Heat::None', metadata: { role: 'x' } };
    });
    const plan = await diffStacks(a, await compileStack(next, { identity: IDENTITY }), builtinRegistry());
    assert.deepEqual(plan.update, [
      { name: 'stub', properties: ['anything', 'more'], metadataChanged: false, updatePolicyChanged: false },
      { name: 'gone', properties: [], metadataChanged: true, updatePolicyChanged: false },
    ]);
    assert.deepEqual(plan.replace, []);
  });

  it('compares references symbolically: pointing at another resource is a change', async () => {
    const a = await compileStack(OLD, { identity: IDENTITY });
    const next = withChanges((r) => {
      r.pw2 = { type: 'OS::Heat::RandomString' };
      r.uses_pw = { type: 'OS::Heat::Value', properties: { value: { get_attr: ['pw2', 'value'] }, type: 'string' } };
    });
    const plan = await diffStacks(a, await compileStack(next, { identity: IDENTITY }), builtinRegistry());
    assert.deepEqual(plan.update.map((u) => [u.name, u.properties]), [['uses_pw', ['value']]]);
    assert.deepEqual(plan.add, ['pw2']);
  });

  it('a new template can still be refused before any diff (bad property)', async () => {
    const next = withChanges((r) => { r.pw = { type: 'OS::Heat::RandomString', properties: { lenght: 5 } }; });
    await rejectsTemplate(compileStack(next, { identity: IDENTITY, registry: builtinRegistry() }), /resources\.pw\.properties\.lenght: unknown property "lenght"/);
  });

  it('refuses an update that changes an immutable parameter', async () => {
    const doc = { heat_template_version: '2018-08-31', parameters: { zone: { type: 'string', default: 'az1', immutable: true } } };
    const a = await compileStack(doc, { identity: IDENTITY });
    await rejectsTemplate(diffStacks(a, await compileStack(doc, { identity: IDENTITY, parameters: { zone: 'az2' } })), /parameters\.zone: parameter "zone" is immutable and may not be changed by an update/);
    assert.deepEqual((await diffStacks(a, await compileStack(doc, { identity: IDENTITY }))).unchanged, []);
  });
});
