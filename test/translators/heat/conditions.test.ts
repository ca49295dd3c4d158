import assert from 'node:assert/strict';
import { compileStack } from '../../../translators/heat/index.js';
import { evalSnippet, IDENTITY, rejectsTemplate, snippetStack } from './heat-test-helpers.js';

const ENV_PARAM = { env: { type: 'string', default: 'test', constraints: [{ allowed_values: ['test', 'prod'] }] }, zones: { type: 'comma_delimited_list', default: 'a,b' } };
const CONDITIONS = {
  is_prod: { equals: [{ get_param: 'env' }, 'prod'] },
  is_test: { not: 'is_prod' },
  both: { and: ['is_test', { equals: [1, 1] }] },
  either: { or: ['is_prod', false] },
  has_b: { contains: ['b', { get_param: 'zones' }] },
};

function template(version: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { heat_template_version: version, parameters: ENV_PARAM, conditions: CONDITIONS, ...extra };
}

describe('translators/heat: conditions and if', () => {
  it('decides named conditions from parameters, with not/and/or/contains and references', async () => {
    const test = await compileStack(template('2018-08-31', {}), { identity: IDENTITY });
    assert.deepEqual(Object.fromEntries(test.conditions), { is_prod: false, is_test: true, both: true, either: false, has_b: true });
    const prod = await compileStack(template('2018-08-31', {}), { identity: IDENTITY, parameters: { env: 'prod' } });
    assert.deepEqual(Object.fromEntries(prod.conditions), { is_prod: true, is_test: false, both: false, either: true, has_b: true });
  });

  it('leaves out resources and outputs whose condition is false', async () => {
    const doc = template('2018-08-31', {
      resources: {
        db: { type: 'OS::Heat::None', condition: 'is_prod' },
        web: { type: 'OS::Heat::None', depends_on: ['db'], condition: { not: 'is_prod' } },
        always: { type: 'OS::Heat::None', condition: true },
      },
      outputs: { db_id: { value: { get_resource: 'db' }, condition: 'is_prod' } },
    });
    const stack = await compileStack(doc, { identity: IDENTITY });
    assert.deepEqual([...stack.resources.keys()], ['web', 'always']);
    assert.deepEqual([...stack.disabledResources], ['db']);
    assert.deepEqual(stack.graph.dependenciesOf('web'), [], 'depends_on a resource that is not created is dropped');
    assert.equal(await stack.outputValue('db_id'), null);
  });

  it('refuses a reference to a resource whose condition is false', async () => {
    const doc = template('2018-08-31', {
      resources: { db: { type: 'OS::Heat::None', condition: 'is_prod' }, web: { type: 'OS::Heat::None', properties: { db: { get_resource: 'db' } } } },
    });
    await rejectsTemplate(compileStack(doc, { identity: IDENTITY }), /resources\.web\.properties\.db\.get_resource: resource "db" is not created \(its condition is false\)/);
  });

  it('refuses unknown condition names, loops of conditions and malformed conditions', async () => {
    await rejectsTemplate(compileStack(template('2018-08-31', { resources: { a: { type: 'OS::Heat::None', condition: 'nope' } } }), { identity: IDENTITY }),
      /resources\.a\.condition: condition "nope" is not defined/);
    await rejectsTemplate(compileStack({ heat_template_version: '2018-08-31', conditions: { c1: 'c2', c2: { not: 'c1' } } }, { identity: IDENTITY }),
      /condition "c1" refers to itself: c1 -> c2 -> c1/);
    await rejectsTemplate(compileStack({ heat_template_version: '2018-08-31', conditions: { c: { and: [true] } } }, { identity: IDENTITY }), /"and" needs at least 2 conditions/);
    await rejectsTemplate(compileStack({ heat_template_version: '2018-08-31', conditions: { c: { equals: [1] } } }, { identity: IDENTITY }), /must be of the form \[value_1, value_2\]/);
    await rejectsTemplate(compileStack({ heat_template_version: '2018-08-31', conditions: { c: { equals: [{ str_replace: { template: 'a', params: {} } }, 'a'] } } }, { identity: IDENTITY }),
      /function "str_replace" cannot be used in a condition/);
    await rejectsTemplate(compileStack({ heat_template_version: '2016-10-14', conditions: { c: { contains: ['a', ['a']] } } }, { identity: IDENTITY }),
      /"contains" cannot be used in a condition in heat_template_version 2016-10-14/);
    await rejectsTemplate(compileStack({ heat_template_version: '2018-08-31', conditions: { c: 'yes' } }, { identity: IDENTITY }), /condition "yes" is not defined/);
  });

  it('if picks a value by condition name, boolean or inline condition', async () => {
    const opts = { parameters: ENV_PARAM, conditions: CONDITIONS };
    assert.equal(await evalSnippet({ if: ['is_prod', 'big', 'small'] }, opts), 'small');
    assert.equal(await evalSnippet({ if: [{ equals: [{ get_param: 'env' }, 'test'] }, 'big', 'small'] }, opts), 'big');
    assert.equal(await evalSnippet({ if: [true, { get_param: 'env' }, { get_param: 'nope' }] }, opts), 'test', 'the branch not taken is not evaluated');
    await rejectsTemplate(evalSnippet({ if: ['missing', 1, 2] }, opts), /outputs\.out\.value\.if\[0\]: condition "missing" is not defined/);
    await rejectsTemplate(evalSnippet({ if: ['is_prod', 1] }, { ...opts, version: '2018-08-31' }), /arguments to "if" must be \[condition, value_if_true, value_if_false\]/);
    await rejectsTemplate(evalSnippet({ if: [true, 1, 2] }, { version: '2016-04-08' }), /"if" is not available in heat_template_version 2016-04-08 \(it was added in 2016-10-14\)/);
  });

  it('if without a false value (2021-04-16) removes the enclosing item', async () => {
    const doc = {
      heat_template_version: '2021-04-16', parameters: ENV_PARAM, conditions: CONDITIONS,
      resources: { v: { type: 'OS::Heat::Value', properties: { value: { a: 1, b: { if: ['is_prod', 2] }, list: [1, { if: ['is_prod', 2] }, 3] } } } },
    };
    const stack = await compileStack(doc, { identity: IDENTITY });
    assert.deepEqual(await stack.properties('v'), { value: { a: 1, list: [1, 3] } });
    const prod = await compileStack(doc, { identity: IDENTITY, parameters: { env: 'prod' } });
    assert.deepEqual(await prod.properties('v'), { value: { a: 1, b: 2, list: [1, 2, 3] } });
  });

  it('refuses yaql with a clear message, in values and in conditions', async () => {
    await rejectsTemplate(evalSnippet({ yaql: { expression: '$.data.a.sum()', data: { a: [1, 2] } } }), /yaql is not supported by this cloud/);
    await rejectsTemplate(compileStack({ heat_template_version: '2018-08-31', conditions: { c: { yaql: { expression: 'true' } } } }, { identity: IDENTITY }), /yaql is not supported/);
  });

  it('refuses CloudFormation functions, naming the HOT replacement', async () => {
    await rejectsTemplate(evalSnippet({ 'Fn::Join': [',', ['a']] }), /"Fn::Join" is a CloudFormation function, which HOT templates do not support here \(use list_join\)/);
    await rejectsTemplate(evalSnippet({ Ref: 'x' }, { version: '2013-05-23' }), /"Ref" is a CloudFormation function/);
  });

  it('treats a one-key map that names no function as data, and condition functions outside conditions as data', async () => {
    assert.deepEqual(await evalSnippet({ get_params: 'x' }), { get_params: 'x' });
    assert.deepEqual(await evalSnippet({ equals: [1, 2] }), { equals: [1, 2] });
    const stack = await snippetStack({ a: 1 }, {});
    assert.deepEqual(await stack.outputValue('out'), { a: 1 });
  });
});
