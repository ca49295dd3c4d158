/** Heat v1 response bodies: stacks, resources, events, with the links clients follow. */
import type { EventRecord, ResourceRecord, StackRecord } from './stack-store.js';

export const heatTime = (d: Date | undefined): string | null => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null);

export const stackUrl = (base: string, s: Pick<StackRecord, 'projectId' | 'name' | 'id'>) => `${base}/heat-api/v1/${s.projectId}/stacks/${s.name}/${s.id}`;

export function stackSummary(base: string, s: StackRecord) {
  return {
    id: s.id, stack_name: s.name, description: s.description, stack_status: s.status, stack_status_reason: s.statusReason,
    creation_time: heatTime(s.createdAt), updated_time: heatTime(s.updatedAt), deletion_time: heatTime(s.deletedAt),
    links: [{ href: stackUrl(base, s), rel: 'self' }], parent: null, tags: s.tags.length ? s.tags : null,
    project: s.projectId, stack_owner: s.caller.userName, stack_user_project_id: s.projectId,
  };
}

export function stackDetail(base: string, s: StackRecord, parameters: Record<string, string>, outputs: unknown[] | undefined) {
  return {
    ...stackSummary(base, s), parameters, ...(outputs !== undefined && { outputs }), timeout_mins: s.timeoutMins ?? null,
    disable_rollback: s.disableRollback, capabilities: [], notification_topics: [], template_description: s.description,
  };
}

export function resourceView(base: string, s: StackRecord, r: ResourceRecord, requiredBy: readonly string[]) {
  return {
    resource_name: r.name, logical_resource_id: r.name, physical_resource_id: r.physicalId, resource_type: r.type,
    resource_status: r.status, resource_status_reason: r.statusReason, creation_time: heatTime(r.createdAt),
    updated_time: heatTime(r.updatedAt ?? r.createdAt), required_by: requiredBy,
    links: [{ href: `${stackUrl(base, s)}/resources/${r.name}`, rel: 'self' }, { href: stackUrl(base, s), rel: 'stack' }],
  };
}

export function eventView(base: string, s: StackRecord, e: EventRecord) {
  return {
    id: e.id, resource_name: e.resourceName, logical_resource_id: e.resourceName, physical_resource_id: e.physicalId,
    resource_status: e.status, resource_status_reason: e.reason, resource_type: e.resourceType, event_time: heatTime(e.time),
    links: [
      { href: `${stackUrl(base, s)}/resources/${e.resourceName}/events/${e.id}`, rel: 'self' },
      { href: `${stackUrl(base, s)}/resources/${e.resourceName}`, rel: 'resource' },
      { href: stackUrl(base, s), rel: 'stack' },
    ],
  };
}
