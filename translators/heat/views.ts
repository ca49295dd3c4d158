/**
 * The shapes Heat's API returns for template validation (`openstack orchestration
 * template validate`) and for a resource type (`openstack orchestration resource type
 * show`), built from our schemas so the service does not re-derive them.
 */
import type { Environment } from './environment.js';
import type { HotTemplate } from './hot-template.js';
import type { Constraint } from './parameters/constraints.js';
import type { ParameterSchema, ParameterType } from './parameters/parameter-schema.js';
import type { PropertySchema, ResourceType } from './resource-type.js';

const API_TYPES: Readonly<Record<ParameterType, string>> = {
  string: 'String', number: 'Number', comma_delimited_list: 'CommaDelimitedList', json: 'Json', boolean: 'Boolean',
};

function parameterView(schema: ParameterSchema, value: unknown): Record<string, unknown> {
  const view: Record<string, unknown> = {
    Type: API_TYPES[schema.type], Description: schema.description ?? '', NoEcho: schema.hidden ? 'true' : 'false', Label: schema.label ?? schema.name,
  };
  if (schema.default !== undefined) view.Default = schema.default;
  if (value !== undefined) view.Value = value;
  if (schema.tags.length > 0) view.Tags = schema.tags;
  const descriptions: string[] = [];
  for (const c of schema.constraints) {
    if (c.kind === 'length') { if (c.min !== undefined) view.MinLength = c.min; if (c.max !== undefined) view.MaxLength = c.max; }
    if (c.kind === 'range') { if (c.min !== undefined) view.MinValue = c.min; if (c.max !== undefined) view.MaxValue = c.max; }
    if (c.kind === 'modulo') { view.Step = c.step; view.Offset = c.offset; }
    if (c.kind === 'allowed_values') view.AllowedValues = [...c.values];
    if (c.kind === 'allowed_pattern') view.AllowedPattern = c.pattern;
    if (c.kind === 'custom_constraint') view.CustomConstraint = c.name;
    if (c.description !== undefined) descriptions.push(c.description);
  }
  if (descriptions.length > 0) view.ConstraintDescription = descriptions.join(' ');
  return view;
}

/**
 * The body of `POST /validate`: Description, Parameters (each with Type, Default, NoEcho,
 * Label, constraints and the user's Value if given), ParameterGroups, Environment.
 */
export function templateValidateView(template: HotTemplate, environment?: Environment, values: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const [name, schema] of template.parameters) {
    const given = values[name] ?? environment?.parameters[name];
    const withDefault = environment?.parameterDefaults[name] === undefined ? schema : { ...schema, default: environment.parameterDefaults[name] };
    parameters[name] = parameterView(withDefault, given);
  }
  const view: Record<string, unknown> = { Description: template.description === '' ? 'No description' : template.description, Parameters: parameters };
  if (template.parameterGroups.length > 0) view.ParameterGroups = template.parameterGroups;
  view.Environment = {
    parameters: environment?.parameters ?? {},
    parameter_defaults: environment?.parameterDefaults ?? {},
    resource_registry: { ...environment?.typeMappings, resources: environment?.resourceMappings ?? {} },
    event_sinks: environment?.eventSinks ?? [],
  };
  return view;
}

function constraintView(c: Constraint): Record<string, unknown> {
  const body: Record<string, unknown> = c.kind === 'length' || c.kind === 'range'
    ? { [c.kind]: { ...(c.min === undefined ? {} : { min: c.min }), ...(c.max === undefined ? {} : { max: c.max }) } }
    : c.kind === 'modulo' ? { modulo: { step: c.step, offset: c.offset } }
      : c.kind === 'allowed_values' ? { allowed_values: [...c.values] }
        : c.kind === 'allowed_pattern' ? { allowed_pattern: c.pattern } : { custom_constraint: c.name };
  return c.description === undefined ? body : { ...body, description: c.description };
}

function propertyView(schema: PropertySchema): Record<string, unknown> {
  const view: Record<string, unknown> = {
    type: schema.type, description: schema.description ?? '', required: schema.required === true,
    update_allowed: schema.updateAllowed === true, immutable: schema.immutable === true,
  };
  if (schema.default !== undefined) view.default = schema.default;
  if (schema.constraints !== undefined && schema.constraints.length > 0) view.constraints = schema.constraints.map(constraintView);
  if (schema.schema !== undefined) view.schema = Object.fromEntries(Object.entries(schema.schema).map(([k, v]) => [k, propertyView(v)]));
  if (schema.items !== undefined) view.schema = { '*': propertyView(schema.items) };
  return view;
}

/** The body of `GET /resource_types/{type}`. */
export function resourceTypeView(type: ResourceType<never> | ResourceType): Record<string, unknown> {
  return {
    resource_type: type.name,
    description: type.description,
    properties: Object.fromEntries(Object.entries(type.properties).map(([k, v]) => [k, propertyView(v)])),
    attributes: {
      ...Object.fromEntries(Object.entries(type.attributes).map(([k, v]) => [k, { description: v.description, ...(v.type === undefined ? {} : { type: v.type }) }])),
      show: { description: 'Detailed information about resource.', type: 'map' },
    },
    support_status: { status: 'SUPPORTED', version: null, message: null, previous_status: null },
  };
}
