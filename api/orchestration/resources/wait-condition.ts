/**
 * OS::Heat::WaitConditionHandle and OS::Heat::WaitCondition: a server tells the stack it is
 * ready. The handle's signal URL is on the metadata address, which every server on a
 * project network reaches (`POST http://169.254.169.254/heat-api/v1/{project}/stacks/{name}/
 * {id}/resources/{handle}/signal?token=...`; the metadata server forwards it to Heat, see
 * ../wait-condition-signal.ts). The secret token in the URL stands for a login, so a boot
 * script can call it; `curl_cli` is the curl command for it, to which a script appends
 * `--data-binary '{"status": "SUCCESS"}'`. From the host, signal with
 * `openstack stack resource signal STACK HANDLE --data '{"status": "SUCCESS"}'` (the same
 * path on the cloud's listener, with `?token=`, works too). The wait condition is
 * CREATE_COMPLETE once `count` SUCCESS signals arrived, fails at the first FAILURE (with its
 * reason) or after `timeout` seconds.
 *
 * LIMITATIONS: only the token-in-URL transport (Heat's TOKEN_SIGNAL; no CFN, Swift or Zaqar
 * signals, no X-Auth-Token header). The URL is reachable from servers on the local driver's
 * project networks (where the metadata route is); a server elsewhere (a Docker host) or a
 * container on no project network cannot reach 169.254.169.254 and must be signalled from
 * outside with `openstack stack resource signal`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';
import { metadataAddress } from '../../network/metadata-server.js';
import { signalPath } from '../wait-condition-signal.js';

/** Where servers send signals: the metadata service's address (see api/network/metadata-server.ts). */
const signalBase = `http://${metadataAddress}`;

const signalUrl = (ctx: { projectId: string; stackName: string; stackId: string; resourceName: string }, token: string) =>
  `${signalBase}${signalPath({ projectId: ctx.projectId, stackName: ctx.stackName, stackId: ctx.stackId, resource: ctx.resourceName })}?token=${token}`;

export const waitConditionHandleType: ResourceType<HeatClients> = {
  name: 'OS::Heat::WaitConditionHandle',
  description: 'A URL that signals a wait condition.',
  properties: {
    signal_transport: { type: 'string', default: 'TOKEN_SIGNAL', constraints: [{ kind: 'allowed_values', values: ['TOKEN_SIGNAL'] }] },
  },
  attributes: {
    token: { description: 'The secret in the signal URL.', type: 'string' },
    endpoint: { description: 'The signal URL (POST), on the metadata address servers reach.', type: 'string' },
    curl_cli: { description: 'A curl command that signals; append --data-binary with the signal.', type: 'string' },
    signal: { description: 'The URL and how to call it.', type: 'map' },
  },
  handler: {
    async create() {
      return { physicalId: randomUUID(), data: { token: randomBytes(24).toString('hex'), url: '' } };
    },
    async delete(ctx, state) {
      ctx.clients.signals.clear(state.physicalId);
    },
    async attribute(ctx, state, name) {
      const url = signalUrl(ctx, String(state.data.token));
      switch (name) {
        case 'token': return state.data.token;
        case 'endpoint': return url;
        case 'curl_cli': return `curl -i -X POST -H 'Content-Type: application/json' -H 'Accept: application/json' '${url}'`;
        case 'signal': return { url, method: 'POST' };
        default: return null;
      }
    },
  },
};

export const waitConditionType: ResourceType<HeatClients> = {
  name: 'OS::Heat::WaitCondition',
  description: 'Waits for signals to its handle.',
  properties: {
    handle: { type: 'string', description: 'The handle (get_resource of an OS::Heat::WaitConditionHandle).', required: true },
    count: { type: 'integer', description: 'How many SUCCESS signals to wait for.', default: 1, constraints: [{ kind: 'range', min: 1 }] },
    timeout: { type: 'number', description: 'Seconds to wait before failing.', required: true, constraints: [{ kind: 'range', min: 1, max: 43200 }] },
  },
  attributes: {
    data: { description: 'The data of every signal, as JSON: {"<id>": data}.', type: 'string' },
  },
  handler: {
    async create(ctx, p) {
      const handle = String(p.handle);
      const count = Number(p.count);
      const deadline = Date.now() + Number(p.timeout) * 1000;
      for (;;) {
        const signals = ctx.clients.signals.received(handle);
        const failed = signals.find((s) => String(s.status ?? 'SUCCESS').toUpperCase() === 'FAILURE');
        if (failed) throw new Error(`WaitCondition signalled FAILURE: ${failed.reason ?? 'no reason given'}`);
        if (signals.filter((s) => String(s.status ?? 'SUCCESS').toUpperCase() === 'SUCCESS').length >= count) break;
        if (ctx.clients.stopping?.aborted) throw new Error('the API stopped while waiting for signals; update the stack to wait again');
        if (Date.now() > deadline) throw new Error(`WaitCondition timed out after ${p.timeout} s with ${signals.length} of ${count} signals`);
        await sleep(100);
      }
      return { physicalId: ctx.physicalName, data: { handle } };
    },
    async delete() {
      // Nothing outside the stack.
    },
    async attribute(ctx, state, name) {
      if (name !== 'data') return null;
      const out: Record<string, unknown> = {};
      for (const [i, s] of ctx.clients.signals.received(String(state.data.handle)).entries()) out[s.id ?? String(i + 1)] = s.data ?? null;
      return JSON.stringify(out);
    },
  },
};
