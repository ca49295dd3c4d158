/**
 * The security-group tables as the kernel has them, one per server network namespace
 * (keyed by endpoint id, new at every attach), and the only way to change them.
 *
 * Ordering: applies to one namespace happen one after another, and each computes what it
 * writes only once the namespace is its own, from the rows as they are then; so the last
 * apply to a namespace always carries the latest rows. Applies to different namespaces do
 * not wait for each other: a boot applying its own table does not queue behind a pass that
 * is bringing a hundred other servers' tables up to date.
 */
import type winston from 'winston';
import { applyFirewall } from './security-group-firewall.js';

/** What one server's namespace should hold. */
export interface WantedFirewall {
  serverId: string;
  netns: string;
  ruleset: string;
}

export class NamespaceFirewalls {
  /** The ruleset last applied in each namespace, so an unchanged one is not applied again. */
  private readonly applied = new Map<string, string>();
  /** The apply under way in each namespace; a later one waits for it. */
  private readonly busy = new Map<string, Promise<void>>();

  constructor(private readonly log: winston.Logger) {}

  /**
   * Brings the namespaces of `endpoints` in line with `wanted()`, which is called once the
   * namespaces it will write are this apply's (no other apply under way in them). Those
   * free now are written at once; those busy with another apply, after it. `strict`: a
   * namespace that cannot be brought in line rejects the apply; otherwise it is logged (a
   * namespace that went away with its server is applied again at its next start).
   */
  async apply(endpoints: string[], wanted: () => Map<string, WantedFirewall>, strict: boolean): Promise<void> {
    let pending = [...new Set(endpoints)];
    while (pending.length > 0) {
      const free = pending.filter((id) => !this.busy.has(id));
      if (free.length === 0) {
        await Promise.race(pending.map((id) => this.busy.get(id)));
        continue;
      }
      pending = pending.filter((id) => this.busy.has(id));
      await this.write(free, wanted, strict);
    }
  }

  /** Writes namespaces no other apply holds; each is released as soon as it is written. */
  private async write(endpoints: string[], wanted: () => Map<string, WantedFirewall>, strict: boolean): Promise<void> {
    const releases = new Map<string, () => void>();
    for (const id of endpoints) this.busy.set(id, new Promise<void>((resolve) => releases.set(id, resolve)));
    const release = (id: string) => {
      const resolve = releases.get(id);
      if (!resolve) return;
      releases.delete(id);
      this.busy.delete(id);
      resolve();
    };
    try {
      const want = wanted();
      for (const id of endpoints) {
        const w = want.get(id);
        if (!w || this.applied.get(id) === w.ruleset) {
          release(id);
          continue;
        }
        try {
          await applyFirewall(w.netns, w.ruleset);
          this.applied.set(id, w.ruleset);
        } catch (err) {
          this.applied.delete(id);
          if (strict) throw err;
          this.log.warn('security group apply failed', { server_id: w.serverId, error: (err as Error).message });
        } finally {
          release(id);
        }
      }
    } finally {
      for (const id of endpoints) release(id);
    }
  }

  /** Forgets the namespaces not in `live` (their servers stopped or went). */
  forgetAllBut(live: Set<string>): void {
    for (const id of this.applied.keys()) if (!live.has(id) && !this.busy.has(id)) this.applied.delete(id);
  }
}
