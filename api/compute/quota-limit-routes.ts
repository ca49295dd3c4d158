/** /limits, /os-quota-sets, /os-availability-zone and /os-hypervisors. */
import type { FastifyInstance } from 'fastify';
import { badRequest, forbidden } from '../http/api-error.js';
import { authenticate, isAdmin, projectOf } from '../http/request-context.js';
import type { ComputeDeps } from './compute-deps.js';
import { zoneDetail, zoneList } from './availability-zones.js';
import { defaultQuotas } from './quotas.js';

type Json = Record<string, any>;

export function registerQuotaAndLimitRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/limits', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    const projectId = projectOf(ctx);
    const q = deps.quotas.get(projectId);
    const used = deps.servers.usage(projectId);
    return {
      limits: {
        rate: [],
        absolute: {
          maxImageMeta: q.metadata_items, maxPersonality: q.injected_files, maxPersonalitySize: q.injected_file_content_bytes,
          maxSecurityGroupRules: q.security_group_rules, maxSecurityGroups: q.security_groups, maxServerMeta: q.metadata_items,
          maxTotalCores: q.cores, maxTotalFloatingIps: q.floating_ips, maxTotalInstances: q.instances, maxTotalKeypairs: q.key_pairs,
          maxTotalRAMSize: q.ram, maxServerGroups: q.server_groups, maxServerGroupMembers: q.server_group_members,
          totalCoresUsed: used.cores, totalInstancesUsed: used.instances, totalRAMUsed: used.ram,
          totalSecurityGroupsUsed: 0, totalFloatingIpsUsed: 0, totalServerGroupsUsed: 0,
        },
      },
    };
  });

  const quotaSet = (id: string, q: Record<string, number>) => ({ quota_set: { id, ...q } });
  app.get('/os-quota-sets/:project', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    const project = (request.params as Json).project as string;
    if (project !== ctx.projectId && !isAdmin(ctx)) throw forbidden(`Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.`);
    return quotaSet(project, deps.quotas.get(project));
  });
  app.get('/os-quota-sets/:project/defaults', async (request) => {
    authenticate(request, deps.tokens);
    return quotaSet((request.params as Json).project, defaultQuotas);
  });
  app.get('/os-quota-sets/:project/detail', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    const project = (request.params as Json).project as string;
    if (project !== ctx.projectId && !isAdmin(ctx)) throw forbidden(`Policy doesn't allow os_compute_api:os-quota-sets:detail to be performed.`);
    const q = deps.quotas.get(project);
    const used = deps.servers.usage(project) as Record<string, number>;
    return { quota_set: { id: project, ...Object.fromEntries(Object.entries(q).map(([k, v]) => [k, { limit: v, in_use: used[k] ?? 0, reserved: 0 }])) } };
  });
  app.put('/os-quota-sets/:project', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    if (!isAdmin(ctx)) throw forbidden(`Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.`);
    const body = (request.body as Json | undefined)?.quota_set as Json | undefined;
    if (!body || typeof body !== 'object') throw badRequest("Invalid input for field/attribute quota_set.");
    const changes: Record<string, number> = {};
    for (const [k, v] of Object.entries(body)) {
      if (k === 'force') continue;
      if (!(k in defaultQuotas)) throw badRequest(`Additional properties are not allowed ('${k}' was unexpected)`);
      const n = Number(v);
      if (!Number.isInteger(n) || n < -1) throw badRequest(`Invalid input for field/attribute ${k}.`);
      changes[k] = n;
    }
    const project = (request.params as Json).project as string;
    const { id: _ignored, ...q } = quotaSet(project, deps.quotas.set(project, changes)).quota_set;
    return { quota_set: q };
  });

  app.get('/os-availability-zone', async (request) => {
    authenticate(request, deps.tokens);
    return zoneList(deps);
  });
  app.get('/os-availability-zone/detail', async (request) => {
    // Admins only, as Nova's policy: the client falls back to the plain list on 403.
    if (!isAdmin(authenticate(request, deps.tokens))) throw forbidden("Policy doesn't allow os_compute_api:os-availability-zone:detail to be performed.");
    return zoneDetail(deps);
  });

  /** One entry per compute host the driver has (several behind placement). */
  const hypervisors = async (detail: boolean) => {
    const driver = deps.manager.driver;
    const hosts = driver.listHosts ? await driver.listHosts() : [await driver.getAvailableResource()];
    return hosts.map((r, i) => {
      const basic = { id: i + 1, hypervisor_hostname: r.hypervisorHostname, state: 'up', status: 'enabled' };
      if (!detail) return basic;
      return {
        ...basic, hypervisor_type: r.hypervisorType, hypervisor_version: 1, host_ip: '127.0.0.1', vcpus: r.vcpus, vcpus_used: r.vcpusUsed,
        memory_mb: r.memoryMb, memory_mb_used: r.memoryMbUsed, free_ram_mb: r.memoryMb - r.memoryMbUsed, local_gb: r.localGb, local_gb_used: r.localGbUsed,
        free_disk_gb: r.localGb - r.localGbUsed, disk_available_least: r.localGb - r.localGbUsed, running_vms: r.runningInstances, current_workload: 0,
        cpu_info: '{}', service: { id: i + 1, host: r.hypervisorHostname, disabled_reason: null },
      };
    });
  };
  const adminOnly = (request: Parameters<typeof authenticate>[0]) => {
    if (!isAdmin(authenticate(request, deps.tokens))) throw forbidden("Policy doesn't allow os_compute_api:os-hypervisors:list to be performed.");
  };
  app.get('/os-hypervisors', async (request) => { adminOnly(request); return { hypervisors: await hypervisors(false) }; });
  app.get('/os-hypervisors/detail', async (request) => { adminOnly(request); return { hypervisors: await hypervisors(true) }; });
  app.get('/os-hypervisors/statistics', async (request) => {
    adminOnly(request);
    const all = (await hypervisors(true)) as Json[];
    const keys = ['vcpus', 'vcpus_used', 'memory_mb', 'memory_mb_used', 'free_ram_mb', 'local_gb', 'local_gb_used', 'free_disk_gb', 'disk_available_least', 'running_vms', 'current_workload'];
    return { hypervisor_statistics: { count: all.length, ...Object.fromEntries(keys.map((k) => [k, all.reduce((sum, h) => sum + (h[k] as number), 0)])) } };
  });
}
