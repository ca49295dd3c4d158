import assert from 'node:assert/strict';
import { compileStack, parseTemplate, TemplateError, TemplateLimitError } from '../../../translators/heat/index.js';
import { IDENTITY, rejectsTemplate } from './heat-test-helpers.js';

const WEB = `heat_template_version: 2018-08-31
description: two tiers
parameters:
  flavor:
    type: string
    default: m1.small
resources:
  db:
    type: OS::Heat::None
  web:
    type: OS::Heat::None
    properties:
      image: {get_attr: [db, nope, 0]}
      flavor: {get_param: flavour}
`;

describe('translators/heat: reading templates', () => {
  it('names the file and line of a YAML syntax error', () => {
    assert.throws(() => parseTemplate('heat_template_version: 2018-08-31\nresources:\n  a: [1, 2\n', { filename: 'T.yaml' }), (err: unknown) => {
      assert.ok(err instanceof TemplateError);
      assert.match(err.message, /^T\.yaml:\d+: template is not valid YAML: /);
      assert.equal(err.file, 'T.yaml');
      return true;
    });
  });

  it('names the file, line and path of an error inside a resource', async () => {
    const err = await rejectsTemplate(compileStack(WEB, { identity: IDENTITY, filename: 'T.yaml' }), /parameter "flavour" is not defined/);
    // The failing call is the get_param on line 14 (flavor: {get_param: flavour}).
    assert.equal(err.path, 'resources.web.properties.flavor.get_param');
    assert.equal(err.line, 14);
    assert.match(err.message, /^T\.yaml:14: resources\.web\.properties\.flavor\.get_param: /);
  });

  it('names only the path for a template given as an object (as heatclient sends it)', async () => {
    const doc = { heat_template_version: '2018-08-31', resources: { web: { type: 'OS::Heat::None', properties: { image: { get_resource: 'nothere' } } } } };
    const err = await rejectsTemplate(compileStack(doc, { identity: IDENTITY }), /^resources\.web\.properties\.image\.get_resource: resource "nothere" is not defined/);
    assert.equal(err.line, undefined);
  });

  it('points at the key of a bad resource entry, not its value', async () => {
    const text = 'heat_template_version: 2015-04-30\nresources:\n  web:\n    type: OS::Heat::None\n    imagee: x\n';
    const err = await rejectsTemplate(compileStack(text, { identity: IDENTITY, filename: 'w.yaml' }), /"imagee" is not a valid keyword inside a resource definition/);
    assert.equal(err.line, 5);
    assert.equal(err.path, 'resources.web.imagee');
  });

  it('refuses a document that is not a mapping, and an empty one has no version', () => {
    assert.throws(() => parseTemplate('- a\n- b\n'), /template must be a mapping, not a list/);
    assert.throws(() => parseTemplate(''), /no heat_template_version/);
  });

  it('accepts every version by date and release name and refuses unknown ones', () => {
    for (const v of ['2013-05-23', '2014-10-16', '2015-04-30', '2015-10-15', '2016-04-08', '2016-10-14', 'newton', '2017-02-24', 'ocata',
      '2017-09-01', 'pike', '2018-03-02', 'queens', '2018-08-31', 'rocky', '2021-04-16', 'wallaby']) {
      assert.ok(parseTemplate(`heat_template_version: ${v}\n`).version.id.startsWith('20'), v);
    }
    assert.equal(parseTemplate('heat_template_version: wallaby\n').version.id, '2021-04-16');
    assert.throws(() => parseTemplate('heat_template_version: 2012-12-12\n'), /"2012-12-12" is not a known heat_template_version/);
    assert.throws(() => parseTemplate('heat_template_version: xena\n'), /not a known heat_template_version/);
    assert.throws(() => parseTemplate('AWSTemplateFormatVersion: 2010-09-09\n'), /CloudFormation-format templates are not supported/);
  });

  it('refuses unknown sections, and conditions before 2016-10-14', () => {
    assert.throws(() => parseTemplate('heat_template_version: 2018-08-31\nresource:\n  a: {type: OS::Heat::None}\n'), /"resource" is not a valid template section/);
    assert.throws(() => parseTemplate('heat_template_version: 2016-04-08\nconditions: {}\n'), /conditions section needs heat_template_version 2016-10-14/);
    assert.doesNotThrow(() => parseTemplate('heat_template_version: 2016-10-14\nconditions: {}\n'));
    assert.throws(() => parseTemplate({ heat_template_version: '2018-08-31', resources: ['a'] }), /resources section must be a mapping/);
  });

  it('keeps the YAML date-looking version a string and does not run custom tags', () => {
    assert.equal(parseTemplate('heat_template_version: 2013-05-23\n').version.id, '2013-05-23');
    assert.throws(() => parseTemplate('heat_template_version: 2013-05-23\ndescription: !!js/function "function(){}"\n'), /not valid YAML/);
  });

  it('enforces the template size limit, configurable', () => {
    const big = `heat_template_version: 2018-08-31\ndescription: "${'x'.repeat(600 * 1024)}"\n`;
    assert.throws(() => parseTemplate(big), (err: unknown) => err instanceof TemplateLimitError && /more than the limit of 524288 bytes/.test(err.message));
    assert.doesNotThrow(() => parseTemplate(big, { limits: { maxTemplateBytes: 1024 * 1024 } }));
    assert.throws(() => parseTemplate({ heat_template_version: '2018-08-31', description: 'y'.repeat(2000) }, { limits: { maxTemplateBytes: 1000 } }), TemplateLimitError);
  });

  it('enforces the resource count and nesting depth limits', async () => {
    const resources = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`r${i}`, { type: 'OS::Heat::None' }]));
    const doc = { heat_template_version: '2018-08-31', resources };
    await assert.rejects(compileStack(doc, { identity: IDENTITY, limits: { maxResourcesPerStack: 10 } }), /defines 12 resources, more than the limit of 10/);
    await assert.doesNotReject(compileStack(doc, { identity: IDENTITY }));
    await assert.rejects(compileStack(doc, { identity: IDENTITY, depth: 6 }), /stacks nest 6 deep, more than the limit of 5/);
    await assert.doesNotReject(compileStack(doc, { identity: IDENTITY, depth: 5 }));
  });
});
