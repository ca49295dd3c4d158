import assert from 'node:assert/strict';
import { compileStack, DEFERRED } from '../../../translators/heat/index.js';
import { evalSnippet, fixedResolver, IDENTITY, rejectsTemplate, snippetStack } from './heat-test-helpers.js';

const PARAMS = {
  name: { type: 'string', default: 'web' },
  cfg: { type: 'json', default: { net: { ports: [80, 443] }, tier: 'front' } },
  zones: { type: 'comma_delimited_list', default: 'az1,az2' },
};
const SERVER = { srv: { type: 'OS::Heat::None' }, pw: { type: 'OS::Heat::RandomString' } };
const RESOLVER = fixedResolver({
  srv: { id: 'srv-uuid', attributes: { networks: { private: ['10.0.0.5', 'fe80::1'] }, name: 'srv-1' } },
  pw: { id: 'secret', attributes: { value: 'secret' } },
});

describe('translators/heat: get_param, get_resource, get_attr, get_file, resource_facade', () => {
  it('get_param reads values, nested paths, list indices and pseudo parameters', async () => {
    assert.equal(await evalSnippet({ get_param: 'name' }, { parameters: PARAMS }), 'web');
    assert.equal(await evalSnippet({ get_param: ['cfg', 'net', 'ports', 1] }, { parameters: PARAMS }), 443);
    assert.equal(await evalSnippet({ get_param: ['cfg', 'net', 'ports', '0'] }, { parameters: PARAMS }), 80);
    assert.equal(await evalSnippet({ get_param: ['zones', 1] }, { parameters: PARAMS }), 'az2');
    // A path that leads nowhere yields '' (Heat's behaviour), not an error.
    assert.equal(await evalSnippet({ get_param: ['cfg', 'nothing', 'here'] }, { parameters: PARAMS }), '');
    assert.equal(await evalSnippet({ get_param: 'OS::stack_name' }), 'teststack');
    assert.equal(await evalSnippet({ get_param: 'OS::stack_id' }), IDENTITY.stackId);
    assert.equal(await evalSnippet({ get_param: 'OS::project_id' }), 'p-0001');
    assert.equal(await evalSnippet({ get_param: 'name' }, { parameters: PARAMS, values: { name: 'api' } }), 'api');
  });

  it('get_param refuses unknown parameters and malformed arguments', async () => {
    await rejectsTemplate(evalSnippet({ get_param: 'nope' }, { parameters: PARAMS }), /outputs\.out\.value\.get_param: parameter "nope" is not defined/);
    await rejectsTemplate(evalSnippet({ get_param: [] }), /"get_param" needs a parameter name/);
    await rejectsTemplate(evalSnippet({ get_param: { a: 1, b: 2 } }), /must be a string or a list/);
    await rejectsTemplate(evalSnippet({ get_param: [['x']] }), /parameter name in "get_param" must be a string/);
  });

  it('get_resource answers the resolver\'s reference id, and is deferred before creation', async () => {
    assert.equal(await evalSnippet({ get_resource: 'srv' }, { resources: SERVER, resolver: RESOLVER }), 'srv-uuid');
    const stack = await snippetStack({ get_resource: 'srv' }, { resources: SERVER });
    assert.deepEqual(await stack.outputValues(), [{ output_key: 'out', description: 'No description given', output_value: null }]);
    assert.equal(await stack.outputValue('out'), DEFERRED);
  });

  it('get_resource refuses unknown resources and names that are not strings', async () => {
    await rejectsTemplate(evalSnippet({ get_resource: 'ghost' }, { resources: SERVER }), /resource "ghost" is not defined in the template/);
    await rejectsTemplate(evalSnippet({ get_resource: ['srv'] }, { resources: SERVER }), /argument to "get_resource" must be a resource name/);
    const doc = { heat_template_version: '2018-08-31', resources: { a: { type: 'OS::Heat::None', properties: { x: { get_resource: 'a' } } } } };
    await rejectsTemplate(compileStack(doc, { identity: IDENTITY }), /resource "a" refers to itself/);
  });

  it('get_attr follows nested paths, and returns all attributes with one argument from 2015-10-15', async () => {
    const opts = { resources: SERVER, resolver: RESOLVER };
    assert.equal(await evalSnippet({ get_attr: ['srv', 'networks', 'private', 0] }, opts), '10.0.0.5');
    assert.deepEqual(await evalSnippet({ get_attr: ['srv', 'networks'] }, opts), { private: ['10.0.0.5', 'fe80::1'] });
    assert.equal(await evalSnippet({ get_attr: ['pw', 'value'] }, opts), 'secret');
    assert.deepEqual(await evalSnippet({ get_attr: ['srv'] }, { ...opts, version: '2015-10-15' }), { networks: { private: ['10.0.0.5', 'fe80::1'] }, name: 'srv-1' });
    await rejectsTemplate(evalSnippet({ get_attr: ['srv'] }, { ...opts, version: '2015-04-30' }), /must be of the form \[resource_name, attribute, \(path\), \.\.\.\]/);
    assert.equal(await evalSnippet({ get_attr: ['srv', 'networks', 'private', 0] }, { ...opts, version: '2013-05-23' }), '10.0.0.5');
  });

  it('get_attr refuses unknown resources, attributes the type lacks, and non-list arguments', async () => {
    await rejectsTemplate(evalSnippet({ get_attr: ['ghost', 'x'] }, { resources: SERVER }), /resource "ghost" is not defined/);
    await rejectsTemplate(evalSnippet({ get_attr: ['pw', 'valu'] }, { resources: SERVER }), /resource "pw" \(OS::Heat::RandomString\) has no attribute "valu" \(it has: value\)/);
    await rejectsTemplate(evalSnippet({ get_attr: 'srv.name' }, { resources: SERVER }), /arguments to "get_attr" must be a list/);
    await rejectsTemplate(evalSnippet({ get_attr: [] }, { resources: SERVER }), /must be of the form/);
  });

  it('get_file reads the files map by key and refuses a missing key', async () => {
    const files = { 'file:///home/u/ud.sh': '#!/bin/sh\necho hi\n' };
    assert.equal(await evalSnippet({ get_file: 'file:///home/u/ud.sh' }, { files }), '#!/bin/sh\necho hi\n');
    await rejectsTemplate(evalSnippet({ get_file: 'file:///home/u/other.sh' }, { files }), /no content in the "files" map for get_file path file:\/\/\/home\/u\/other\.sh/);
    await rejectsTemplate(evalSnippet({ get_file: ['a'] }, { files }), /argument to "get_file" must be a string/);
  });

  it('resource_facade reads the parent resource in a nested stack, and only there', async () => {
    const doc = { heat_template_version: '2018-08-31', outputs: { md: { value: { resource_facade: 'metadata' } }, dp: { value: { resource_facade: 'deletion_policy' } } } };
    const nested = await compileStack(doc, { identity: IDENTITY, depth: 1, facade: { metadata: { role: 'db' }, deletionPolicy: 'Retain' } });
    assert.deepEqual(await nested.outputValue('md'), { role: 'db' });
    assert.equal(await nested.outputValue('dp'), 'Retain');
    await rejectsTemplate(compileStack(doc, { identity: IDENTITY }), /"resource_facade" can only be used in a template that implements a resource type/);
    await rejectsTemplate(evalSnippet({ resource_facade: 'properties' }), /must be one of metadata, deletion_policy, update_policy/);
  });

  it('an output that fails once resources exist carries output_error; the others still show', async () => {
    const doc = {
      heat_template_version: '2018-08-31', resources: SERVER,
      outputs: { bad: { value: { list_join: [',', { get_attr: ['srv', 'name'] }] } }, good: { value: { get_attr: ['srv', 'name'] }, description: 'the name' } },
    };
    const stack = await compileStack(doc, { identity: IDENTITY, filename: 'o.yaml' });
    assert.deepEqual(await stack.outputValues(RESOLVER), [
      { output_key: 'bad', description: 'No description given', output_value: null, output_error: 'outputs.bad.value.list_join: "list_join" must operate on lists, not "srv-1"' },
      { output_key: 'good', description: 'the name', output_value: 'srv-1' },
    ]);
  });
});
