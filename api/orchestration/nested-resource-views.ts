/**
 * `resource list --nested-depth N`: the members of a ResourceGroup and the resources of a
 * template resource's nested stack, which live in the parent resource's state here, shown
 * as Heat shows a nested stack's resources: each with the nested stack in its `stack` link
 * (heatclient's stack_name column) and the parent in `parent_resource`.
 */
import type { ResourceState } from '../../translators/heat/index.js';
import type { ResourceRecord, StackRecord } from './stack-store.js';
import { heatTime } from './stack-views.js';

interface Child { name: string; type: string; state: ResourceState }

/** The nested stack a resource's state holds, if any: its name, id and resources. */
function nestedOf(parentStack: string, resourceName: string, state: ResourceState | undefined): { name: string; id: string; children: Child[] } | undefined {
  const data = state?.data as { members?: Array<{ index: number; type: string; state: ResourceState }>; nested?: { id: string; name: string; resources: Record<string, { type: string; state: ResourceState }> } } | undefined;
  if (data?.members) return { name: `${parentStack}-${resourceName}`, id: state!.physicalId, children: data.members.map((m) => ({ name: String(m.index), type: m.type, state: m.state })) };
  if (data?.nested) return { name: data.nested.name, id: data.nested.id, children: Object.entries(data.nested.resources).map(([name, r]) => ({ name, type: r.type, state: r.state })) };
  return undefined;
}

/** Rows for the resources nested under `record`, `depth` levels down. */
export function nestedResourceRows(base: string, stack: StackRecord, record: Pick<ResourceRecord, 'name' | 'state' | 'status' | 'createdAt' | 'updatedAt'>, depth: number, parentStackName = stack.name): unknown[] {
  if (depth < 1) return [];
  const nested = nestedOf(parentStackName, record.name, record.state);
  if (!nested) return [];
  const stackHref = `${base}/heat-api/v1/${stack.projectId}/stacks/${nested.name}/${nested.id}`;
  return nested.children.flatMap((child) => [
    {
      resource_name: child.name, logical_resource_id: child.name, physical_resource_id: child.state.physicalId, resource_type: child.type,
      resource_status: record.status, resource_status_reason: 'state changed', creation_time: heatTime(record.createdAt),
      updated_time: heatTime(record.updatedAt ?? record.createdAt), required_by: [], parent_resource: record.name,
      links: [{ href: `${stackHref}/resources/${child.name}`, rel: 'self' }, { href: stackHref, rel: 'stack' }],
    },
    ...nestedResourceRows(base, stack, { ...record, name: child.name, state: child.state }, depth - 1, nested.name),
  ]);
}
