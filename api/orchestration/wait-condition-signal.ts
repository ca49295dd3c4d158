/**
 * A wait condition handle's signal, whichever way it arrives:
 * - from inside a server, at the handle's `endpoint` on the metadata address
 *   (`http://169.254.169.254/heat-api/v1/...`), which the metadata server forwards here;
 * - on the cloud's listener at the same path (`?token=...`: URLs handed out before the
 *   metadata address was used keep working);
 * - on the listener with a Keystone token and no `?token=` (`openstack stack resource signal`),
 *   for whoever may write to the stack's project: the host side's way in.
 * A signal body is Heat's: `{"status": "SUCCESS"|"FAILURE", "reason", "data", "id"}`, all optional.
 */
import { timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import { unauthorized } from '../http/api-error.js';
import type { MetadataSignalReceiver } from '../network/metadata-signals.js';
import type { StackStore } from './stack-store.js';

const handleTypeName = 'OS::Heat::WaitConditionHandle';

/** The path of a handle's signal, under the listener's root and the metadata address alike. */
export const signalPathPattern = /^\/heat-api\/v1\/([^/?#]+)\/stacks\/([^/?#]+)\/([^/?#]+)\/resources\/([^/?#]+)\/signal$/;

/** Where a signal goes: the stack (by name and id) and the handle's resource name. */
export interface SignalTarget {
  projectId: string;
  stackName: string;
  stackId: string;
  resource: string;
}

export function signalPath(t: SignalTarget): string {
  return `/heat-api/v1/${t.projectId}/stacks/${encodeURIComponent(t.stackName)}/${t.stackId}/resources/${encodeURIComponent(t.resource)}/signal`;
}

/** The target a signal path names, or undefined for any other path. */
export function signalTargetOf(path: string): SignalTarget | undefined {
  const m = signalPathPattern.exec(path);
  if (!m) return undefined;
  try {
    return { projectId: decodeURIComponent(m[1]!), stackName: decodeURIComponent(m[2]!), stackId: decodeURIComponent(m[3]!), resource: decodeURIComponent(m[4]!) };
  } catch {
    return undefined; // a malformed %-escape names nothing
  }
}

/**
 * Records `body` as a signal to the handle at `target`. `proof` is the token from the URL,
 * or 'authenticated' when the caller's Keystone token already allows writing to the project.
 * Throws NotFoundError (no such live handle), a 401 (wrong token) or InvalidArgumentError
 * (a body that is not a signal); then nothing is recorded.
 */
export function acceptSignal(store: StackStore, target: SignalTarget, proof: { token: string } | 'authenticated', body: unknown): void {
  const stack = store.find(target.projectId, target.stackId);
  const handle = stack.name === target.stackName && stack.deletedAt === undefined
    ? store.resources(stack.id).find((r) => r.name === target.resource && r.type === handleTypeName)
    : undefined;
  if (!handle?.state) throw new NotFoundError(`The Resource (${target.resource}) could not be found.`);
  if (proof !== 'authenticated') {
    const given = Buffer.from(proof.token);
    const expected = Buffer.from(String(handle.state.data.token ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized('The signal token is not valid for this resource.');
  }
  store.addSignal(handle.physicalId, signalBody(body));
}

/** What the metadata server hands signal POSTs to (servers send them to 169.254.169.254). */
export function metadataSignalReceiver(store: StackStore): MetadataSignalReceiver {
  return {
    accepts: (path) => signalTargetOf(path) !== undefined,
    receive: (path, token, body) => {
      const target = signalTargetOf(path);
      if (!target) throw new NotFoundError(`No signal URL at ${path}.`);
      acceptSignal(store, target, { token }, body);
    },
  };
}

/** A signal body checked: an object (or nothing), with a status Heat knows. */
function signalBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('A signal is a JSON object such as {"status": "SUCCESS", "data": "..."}.');
  const status = (body as Record<string, unknown>).status;
  if (status !== undefined && !['SUCCESS', 'FAILURE'].includes(String(status).toUpperCase())) {
    throw new InvalidArgumentError(`Unknown status "${String(status)}": a signal's status is SUCCESS or FAILURE.`);
  }
  return body as Record<string, unknown>;
}
