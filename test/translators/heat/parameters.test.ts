import assert from 'node:assert/strict';
import { compileStack, parseEnvironment, parseTemplate } from '../../../translators/heat/index.js';
import { IDENTITY, rejectsTemplate } from './heat-test-helpers.js';

function doc(parameters: Record<string, unknown>, version = '2018-08-31', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { heat_template_version: version, parameters, ...extra };
}
async function values(parameters: Record<string, unknown>, given: Record<string, unknown> = {}, version?: string): Promise<Record<string, unknown>> {
  const stack = await compileStack(doc(parameters, version), { identity: IDENTITY, parameters: given });
  return Object.fromEntries([...stack.parameters].filter(([k]) => !k.startsWith('OS::')));
}

describe('translators/heat: parameters', () => {
  it('converts values to their types', async () => {
    const schema = {
      s: { type: 'string' }, n: { type: 'number' }, f: { type: 'number' }, b: { type: 'boolean' }, b2: { type: 'boolean' },
      l: { type: 'comma_delimited_list' }, l2: { type: 'comma_delimited_list' }, j: { type: 'json' }, j2: { type: 'json' },
    };
    assert.deepEqual(await values(schema, { s: 42, n: '5', f: '2.5', b: 'yes', b2: false, l: 'a,b , c', l2: ['x', 1], j: '{"a": [1]}', j2: { k: 'v' } }), {
      s: '42', n: 5, f: 2.5, b: true, b2: false, l: ['a', 'b ', ' c'], l2: ['x', '1'], j: { a: [1] }, j2: { k: 'v' },
    });
  });

  it('refuses values that do not fit their type', async () => {
    await rejectsTemplate(values({ n: { type: 'number' } }, { n: 'abc' }), /parameters\.n: parameter "n" is invalid: value "abc" is not a number/);
    await rejectsTemplate(values({ b: { type: 'boolean' } }, { b: 'maybe' }), /parameter "b" is invalid: unrecognized value "maybe"/);
    await rejectsTemplate(values({ j: { type: 'json' } }, { j: '{bad' }), /parameter "j" is invalid: value must be valid JSON/);
    await rejectsTemplate(values({ s: { type: 'string' } }, { s: { a: 1 } }), /parameter "s" is invalid: value must be a string/);
    await rejectsTemplate(values({ s: { type: 'text' } }), /invalid parameter type "text"/);
    await rejectsTemplate(values({ s: { default: 'x' } }), /missing parameter type for parameter: s/);
  });

  it('checks length, range, allowed_values and allowed_pattern, using the description as the message', async () => {
    const schema = {
      name: { type: 'string', default: 'web', constraints: [{ length: { min: 2, max: 5 } }, { allowed_pattern: '[a-z]+', description: 'lower-case letters only' }] },
      size: { type: 'number', default: 2, constraints: [{ range: { min: 1, max: 4 } }] },
      flavor: { type: 'string', default: 'm1.small', constraints: [{ allowed_values: ['m1.small', 'm1.large'] }] },
      zones: { type: 'comma_delimited_list', default: 'a', constraints: [{ length: { max: 2 } }, { allowed_values: ['a', 'b', 'c'] }] },
    };
    assert.deepEqual(await values(schema), { name: 'web', size: 2, flavor: 'm1.small', zones: ['a'] });
    await rejectsTemplate(values(schema, { name: 'x' }), /parameter "name" is invalid: length \(1\) is out of range \(min: 2, max: 5\)/);
    await rejectsTemplate(values(schema, { name: 'web1' }), /parameter "name" is invalid: lower-case letters only/);
    await rejectsTemplate(values(schema, { size: 9 }), /parameter "size" is invalid: 9 is out of range \(min: 1, max: 4\)/);
    await rejectsTemplate(values(schema, { flavor: 'm1.tiny' }), /"m1.tiny" is not an allowed value \["m1.small", "m1.large"\]/);
    await rejectsTemplate(values(schema, { zones: 'a,b,c' }), /parameter "zones" is invalid: length \(3\) is out of range \(min: None, max: 2\)/);
    await rejectsTemplate(values(schema, { zones: 'a,d' }), /\["a","d"\] is not an allowed value/);
  });

  it('checks modulo from 2017-02-24 only', async () => {
    const schema = { even: { type: 'number', default: 4, constraints: [{ modulo: { step: 2, offset: 0 } }] } };
    assert.deepEqual(await values(schema, {}, '2017-02-24'), { even: 4 });
    await rejectsTemplate(values(schema, { even: 3 }, '2017-02-24'), /3 is not a multiple of 2 with an offset of 0/);
    await rejectsTemplate(values(schema, {}, '2016-10-14'), /invalid key "modulo" for parameter constraints \(modulo needs heat_template_version 2017-02-24/);
  });

  it('refuses constraints that do not apply to the type and defaults that break their constraints', () => {
    assert.throws(() => parseTemplate(doc({ s: { type: 'string', constraints: [{ range: { min: 1 } }] } })), /range constraint is not valid for a string parameter/);
    assert.throws(() => parseTemplate(doc({ s: { type: 'string', constraints: { length: { min: 1 } } } })), /expected a list/);
    assert.throws(() => parseTemplate(doc({ s: { type: 'string', default: 'toolong', constraints: [{ length: { max: 3 } }] } })),
      /parameters\.s\.default: parameter "s" is invalid: length \(7\) is out of range/);
    assert.throws(() => parseTemplate(doc({ s: { type: 'string', constraints: [{ allowed_pattern: '([a-z' }] } })), /is not a valid regular expression/);
  });

  it('accepts unknown custom constraints with a warning, and runs known ones', async () => {
    const schema = { flavor: { type: 'string', default: 'm1.small', constraints: [{ custom_constraint: 'nova.flavor' }] } };
    const stack = await compileStack(doc(schema), { identity: IDENTITY });
    assert.deepEqual(stack.warnings, ['parameter "flavor": custom constraint "nova.flavor" is not checked by this cloud']);
    const checks = new Map([['nova.flavor', (v: unknown) => (v === 'm1.small' ? undefined : `flavor ${String(v)} not found`)]]);
    await assert.doesNotReject(compileStack(doc(schema), { identity: IDENTITY, customConstraints: checks }));
    await rejectsTemplate(compileStack(doc(schema), { identity: IDENTITY, customConstraints: checks, parameters: { flavor: 'm9' } }), /flavor m9 not found/);
  });

  it('takes the request value, then environment parameters, then parameter_defaults, then the default', async () => {
    const schema = { a: { type: 'string', default: 'tmpl' }, b: { type: 'string', default: 'tmpl' }, c: { type: 'string', default: 'tmpl' }, d: { type: 'string', default: 'tmpl' } };
    const environment = parseEnvironment('parameters:\n  a: env\n  b: env\nparameter_defaults:\n  a: pd\n  b: pd\n  c: pd\n  not_in_template: ignored\n');
    const stack = await compileStack(doc(schema), { identity: IDENTITY, environment, parameters: { a: 'request' } });
    assert.deepEqual(Object.fromEntries([...stack.parameters].filter(([k]) => !k.startsWith('OS::'))), { a: 'request', b: 'env', c: 'pd', d: 'tmpl' });
  });

  it('refuses a missing value and a value for a parameter the template lacks', async () => {
    await rejectsTemplate(values({ key: { type: 'string' } }), /parameters\.key: parameter "key" has no value/);
    await rejectsTemplate(values({ key: { type: 'string', default: 'k' } }, { kye: 'x' }), /parameter "kye" is given a value but is not defined in the template/);
  });

  it('masks hidden parameters in the stack view and shows pseudo parameters', async () => {
    const stack = await compileStack(doc({ pw: { type: 'string', hidden: true, default: 's3cret' }, l: { type: 'comma_delimited_list', default: 'a,b' }, j: { type: 'json', default: { a: 1 } }, on: { type: 'boolean', default: true } }),
      { identity: IDENTITY });
    assert.deepEqual(stack.displayParameters(), {
      pw: '******', l: 'a,b', j: '{"a":1}', on: 'True', 'OS::stack_name': 'teststack', 'OS::stack_id': IDENTITY.stackId, 'OS::project_id': 'p-0001',
    });
    assert.equal(stack.parameters.get('pw'), 's3cret');
  });

  it('checks parameter keys (tags from 2018-03-02) and parameter_groups', () => {
    assert.doesNotThrow(() => parseTemplate(doc({ p: { type: 'string', default: 'x', label: 'P', description: 'd', immutable: true, tags: ['role'] } })));
    assert.throws(() => parseTemplate(doc({ p: { type: 'string', default: 'x', tags: ['a'] } }, '2017-09-01')), /invalid key "tags" for parameter \(p\)/);
    assert.throws(() => parseTemplate(doc({ p: { type: 'string', defualt: 'x' } })), /invalid key "defualt" for parameter \(p\)/);
    const groups = (g: unknown) => parseTemplate(doc({ a: { type: 'string' }, b: { type: 'string' } }, '2018-08-31', { parameter_groups: g }));
    assert.doesNotThrow(() => groups([{ label: 'one', parameters: ['a'] }, { label: 'two', parameters: ['b'] }]));
    assert.throws(() => groups([{ label: 'one', parameters: ['c'] }]), /parameter_groups\[0\]\.parameters\[0\]: the grouped parameter c does not reference a valid parameter/);
    assert.throws(() => groups([{ parameters: ['a'] }, { parameters: ['a'] }]), /the a parameter must be assigned to one parameter group only/);
    assert.throws(() => groups({ a: 1 }), /parameter_groups must be a list/);
  });

  it('never shows a hidden value in an error', async () => {
    const schema = { pw: { type: 'string', hidden: true, constraints: [{ length: { min: 8 } }, { allowed_pattern: '[a-z]+' }] } };
    const short = await rejectsTemplate(values(schema, { pw: 'abc' }), /parameter "pw" is invalid: the hidden value does not satisfy its length constraint/);
    assert.doesNotMatch(short.message, /abc/);
    const pattern = await rejectsTemplate(values(schema, { pw: 'Secret99x' }), /does not satisfy its allowed_pattern constraint/);
    assert.doesNotMatch(pattern.message, /Secret99x/);
    const typed = await rejectsTemplate(values({ n: { type: 'number', hidden: true } }, { n: 'topsecret' }), /the hidden value is not a valid number/);
    assert.doesNotMatch(typed.message, /topsecret/);
  });
});
