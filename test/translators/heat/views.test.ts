import assert from 'node:assert/strict';
import { parseEnvironment, parseTemplate, resourceTypeView, templateValidateView } from '../../../translators/heat/index.js';
import { builtinRegistry } from './heat-test-helpers.js';

describe('translators/heat: API views', () => {
  it('renders template validate the way Heat answers it', () => {
    const template = parseTemplate([
      'heat_template_version: 2018-08-31',
      'description: web tier',
      'parameter_groups:',
      '  - label: main',
      '    parameters: [flavor]',
      'parameters:',
      '  flavor:',
      '    type: string',
      '    default: m1.small',
      '    constraints:',
      '      - allowed_values: [m1.small, m1.large]',
      '        description: pick a known flavor',
      '  pw:',
      '    type: string',
      '    hidden: true',
      '    label: Password',
      '    constraints: [{length: {min: 8}}]',
      '  count: {type: number, default: 2, constraints: [{range: {min: 1, max: 9}}]}',
    ].join('\n'));
    const env = parseEnvironment('parameter_defaults: {count: 3}\nparameters: {pw: longenough}\n');
    const view = templateValidateView(template, env);
    assert.deepEqual(view.Description, 'web tier');
    assert.deepEqual(view.Parameters, {
      flavor: { Type: 'String', Description: '', NoEcho: 'false', Label: 'flavor', Default: 'm1.small', AllowedValues: ['m1.small', 'm1.large'], ConstraintDescription: 'pick a known flavor' },
      pw: { Type: 'String', Description: '', NoEcho: 'true', Label: 'Password', Value: 'longenough', MinLength: 8 },
      count: { Type: 'Number', Description: '', NoEcho: 'false', Label: 'count', Default: 3, MinValue: 1, MaxValue: 9 },
    });
    assert.deepEqual(view.ParameterGroups, [{ label: 'main', parameters: ['flavor'] }]);
  });

  it('renders a resource type with its properties, constraints and attributes', () => {
    const view = resourceTypeView(builtinRegistry().get('OS::Heat::RandomString')!);
    assert.equal(view.resource_type, 'OS::Heat::RandomString');
    const props = view.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(props.length, { type: 'integer', description: 'Length of the string to generate.', required: false, update_allowed: false, immutable: false, default: 32, constraints: [{ range: { min: 1, max: 512 } }] });
    assert.deepEqual(Object.keys(view.attributes as object), ['value', 'show']);
  });
});
