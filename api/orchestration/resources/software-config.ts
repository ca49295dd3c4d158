/**
 * OS::Heat::SoftwareConfig, OS::Heat::CloudConfig and OS::Heat::MultipartMime: immutable
 * configuration text kept in the stack. `get_resource` gives the config's id, which an
 * OS::Nova::Server's user_data may name (formats RAW and SOFTWARE_CONFIG) to boot with the
 * content; `get_attr [c, config]` gives the content itself.
 *
 * LIMITATIONS: there is no /software_configs API and no OS::Heat::SoftwareDeployment;
 * inputs, outputs and options are kept but not acted on.
 */
import { randomUUID } from 'node:crypto';
import { dump as yamlDump } from 'js-yaml';
import type { ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';

/** The type names whose id a server's user_data may name. */
export const configTypeNames = ['OS::Heat::SoftwareConfig', 'OS::Heat::CloudConfig', 'OS::Heat::MultipartMime'] as const;

const configAttributes = { config: { description: 'The configuration text.', type: 'string' as const } };

const kept = (config: string, extra: Record<string, unknown> = {}) => ({ physicalId: randomUUID(), data: { config, ...extra } });

const configHandler: ResourceType<HeatClients>['handler'] = {
  async create() {
    throw new Error('not used');
  },
  async delete() {
    // The config lives only in the stack's state.
  },
  async attribute(_ctx, state, name) {
    return name === 'config' ? state.data.config ?? '' : null;
  },
};

export const softwareConfigType: ResourceType<HeatClients> = {
  name: 'OS::Heat::SoftwareConfig',
  description: 'A configuration script or document, for a server to run at boot.',
  properties: {
    group: { type: 'string', description: 'The tool that applies it.', default: 'Heat::Ungrouped' },
    config: { type: 'string', description: 'The configuration text.', default: '' },
    inputs: { type: 'list', default: [] },
    outputs: { type: 'list', default: [] },
    options: { type: 'map', default: {} },
  },
  attributes: configAttributes,
  handler: {
    ...configHandler,
    async create(_ctx, p) {
      return kept(String(p.config ?? ''), { group: p.group, inputs: p.inputs, outputs: p.outputs, options: p.options });
    },
  },
};

export const cloudConfigType: ResourceType<HeatClients> = {
  name: 'OS::Heat::CloudConfig',
  description: 'A cloud-init #cloud-config document from a map.',
  properties: {
    cloud_config: { type: 'map', description: 'The cloud-config document.', default: {} },
  },
  attributes: configAttributes,
  handler: {
    ...configHandler,
    async create(_ctx, p) {
      return kept(`#cloud-config\n${yamlDump(p.cloud_config ?? {}, { lineWidth: -1 })}`);
    },
  },
};

const subtypeOf = (text: string): string => {
  if (text.startsWith('#!')) return 'x-shellscript';
  if (text.startsWith('#cloud-config')) return 'cloud-config';
  if (text.startsWith('#include')) return 'x-include-url';
  return 'plain';
};

export const multipartMimeType: ResourceType<HeatClients> = {
  name: 'OS::Heat::MultipartMime',
  description: 'Several configs in one multipart/mixed MIME message, as cloud-init reads it.',
  properties: {
    parts: {
      type: 'list', description: 'The parts: each a config id or text.', default: [],
      items: {
        type: 'map', schema: {
          config: { type: 'string', required: true, description: 'A config id (get_resource) or the text itself.' },
          filename: { type: 'string' },
          type: { type: 'string', default: 'text', constraints: [{ kind: 'allowed_values', values: ['text', 'multipart'] }] },
          subtype: { type: 'string' },
        },
      },
    },
    group: { type: 'string', default: 'Heat::Ungrouped' },
  },
  attributes: configAttributes,
  handler: {
    ...configHandler,
    async create(ctx, p) {
      const boundary = `===============${randomUUID().replace(/-/g, '')}==`;
      const parts = (p.parts as Array<{ config: string; filename?: string; type?: string; subtype?: string }>).map((part, i) => {
        const text = ctx.clients.configContent(part.config) ?? part.config;
        if (part.type === 'multipart') return `${text.trimEnd()}\n`;
        const subtype = part.subtype ?? subtypeOf(text);
        return [
          `Content-Type: text/${subtype}; charset="utf-8"`, 'MIME-Version: 1.0', 'Content-Transfer-Encoding: 8bit',
          `Content-Disposition: attachment; filename="${part.filename ?? `part${i + 1}`}"`, '', text.endsWith('\n') ? text.slice(0, -1) : text,
        ].join('\n');
      });
      const body = [`Content-Type: multipart/mixed; boundary="${boundary}"`, 'MIME-Version: 1.0', '', ...parts.map((part) => `--${boundary}\n${part}`), `--${boundary}--`, ''].join('\n');
      return kept(body);
    },
  },
};
