/**
 * Project quotas (Nova's defaults, overridable by an admin) and their enforcement: the
 * usage count and the insert of new servers happen in one write transaction, so a burst of
 * parallel creates can never pass the limit together.
 */
import { QuotaExceededError } from '../../engine/errors.js';
import type { CloudDatabase } from '../http/cloud-database.js';

export const defaultQuotas: Record<string, number> = {
  instances: 10, cores: 20, ram: 51200, floating_ips: -1, fixed_ips: -1, metadata_items: 128, key_pairs: 100,
  security_groups: 10, security_group_rules: 20, injected_files: 5, injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255, server_groups: 10, server_group_members: 10,
};

export class QuotaStore {
  constructor(private readonly db: CloudDatabase) {}

  get(projectId: string): Record<string, number> {
    const rows = this.db.prepare('SELECT resource, hard_limit FROM quotas WHERE project_id = ?').all(projectId) as Array<{ resource: string; hard_limit: number }>;
    const quotas = { ...defaultQuotas };
    for (const row of rows) if (row.resource in quotas) quotas[row.resource] = row.hard_limit;
    return quotas;
  }

  set(projectId: string, changes: Record<string, number>): Record<string, number> {
    const upsert = this.db.prepare('INSERT INTO quotas (project_id, resource, hard_limit) VALUES (?, ?, ?) ON CONFLICT(project_id, resource) DO UPDATE SET hard_limit = excluded.hard_limit');
    this.db.transaction(() => { for (const [k, v] of Object.entries(changes)) upsert.run(projectId, k, v); })();
    return this.get(projectId);
  }

  /** Runs `commit` only if `usage + wanted` fits every limit, atomically with the check. */
  reserve<T>(projectId: string, usage: () => Record<string, number>, wanted: Record<string, number>, commit: () => T): T {
    return this.db.transaction(() => {
      const limits = this.get(projectId);
      const used = usage();
      for (const [resource, amount] of Object.entries(wanted)) {
        const limit = limits[resource] ?? -1;
        if (limit >= 0 && (used[resource] ?? 0) + amount > limit) {
          throw new QuotaExceededError(`Quota exceeded for ${resource}: Requested ${amount}, but already used ${used[resource] ?? 0} of ${limit} ${resource}`);
        }
      }
      return commit();
    }).immediate();
  }
}
