/**
 * The security-group tables as the kernel has them, one per server network namespace
 * (keyed by endpoint id, new at every attach), and the only way to change them.
 *
 * Cost: all the namespaces one apply changes are written by ONE process
 * (engine/sys/nft-in-namespaces.ts), and a namespace whose rules are unchanged gets only
 * the changes of its remote groups' sets (a peer joined or left), so a server joining a
 * group of a hundred costs one process and a hundred one-element scripts, not a hundred
 * nsenter+nft runs each loading a whole table.
 *
 * Ordering: applies to one namespace happen one after another, and each computes what it
 * writes only once the namespace is its own, from the rows as they are then; so the last
 * apply to a namespace always carries the latest rows. Applies to different namespaces do
 * not wait for each other: a boot applying its own table waits at most for one write that
 * holds its namespace, never for a whole pass over the other servers.
 */
import type winston from 'winston';
import { FailedPreconditionError } from '../../engine/errors.js';
import { runNftInNamespaces, type NamespaceOutcome } from '../../engine/sys/nft-in-namespaces.js';
import { type FirewallPlan, membershipScript, planScript } from './security-group-firewall.js';

/** What one server's namespace should hold. */
export interface WantedFirewall {
  serverId: string;
  netns: string;
  plan: FirewallPlan;
}

/** What the kernel holds in one namespace, as far as we wrote it. */
interface AppliedFirewall {
  table: string;
  sets: Map<string, ReadonlySet<string>>;
}

export class NamespaceFirewalls {
  /** What each namespace holds, so an unchanged one is not written and a changed set gets only its changes. */
  private readonly applied = new Map<string, AppliedFirewall>();
  /** The write under way in each namespace; a later apply to it waits for it. */
  private readonly busy = new Map<string, Promise<void>>();

  constructor(private readonly log: winston.Logger) {}

  /**
   * Brings the namespaces of `endpoints` in line with `wanted()`, which is called once the
   * namespaces it will write are this apply's (no other write under way in them). Those
   * free now are written at once; those busy with another write, after it. `strict`: a
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

  /** Writes namespaces no other apply holds, in one process (two when a namespace was not as we thought and is replaced whole). */
  private async write(endpoints: string[], wanted: () => Map<string, WantedFirewall>, strict: boolean): Promise<void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    for (const id of endpoints) this.busy.set(id, held);
    const failures: Array<{ serverId: string; error: string }> = [];
    try {
      const want = wanted();
      const jobs = endpoints.flatMap((id) => {
        const w = want.get(id);
        if (!w) return [];
        const had = this.applied.get(id);
        // Unknown to us (a server's first apply, or after a failure): made as new, if it is.
        const script = had === undefined ? planScript(w.plan, { fresh: true }) : had.table === w.plan.table ? membershipScript(had.sets, w.plan) : planScript(w.plan);
        return script === '' ? [] : [{ id, w, script, replaces: had !== undefined && had.table !== w.plan.table }];
      });
      const outcomes = await this.run(jobs);
      // Refused, a set change or a table made as new (the namespace is not as we thought): the whole table, once.
      // A namespace that is gone stays gone.
      const failed = (i: number) => { const o = outcomes[i]!; return !o.ok && !o.error.startsWith('network namespace '); };
      const again = jobs.filter((j, i) => failed(i) && !j.replaces).map((j) => ({ ...j, script: planScript(j.w.plan), replaces: true }));
      const retried = await this.run(again);
      for (const [i, job] of jobs.entries()) {
        const retry = again.findIndex((j) => j.id === job.id);
        const outcome = retry >= 0 ? retried[retry]! : outcomes[i]!;
        if (outcome.ok) {
          this.applied.set(job.id, { table: job.w.plan.table, sets: new Map([...job.w.plan.sets].map(([set, addresses]) => [set, new Set(addresses)])) });
        } else {
          this.applied.delete(job.id);
          failures.push({ serverId: job.w.serverId, error: outcome.error });
        }
      }
    } finally {
      for (const id of endpoints) if (this.busy.get(id) === held) this.busy.delete(id);
      release();
    }
    if (strict && failures.length > 0) throw new FailedPreconditionError(`security groups of server ${failures[0]!.serverId}: ${failures[0]!.error}`);
    for (const f of failures) this.log.warn('security group apply failed', { server_id: f.serverId, error: f.error });
  }

  /** Runs the jobs' scripts; a failure of the process itself fails each of them. */
  private async run(jobs: Array<{ w: WantedFirewall; script: string }>): Promise<NamespaceOutcome[]> {
    try {
      return await runNftInNamespaces(jobs.map((j) => ({ netns: j.w.netns, script: j.script })));
    } catch (err) {
      return jobs.map(() => ({ ok: false, error: (err as Error).message }));
    }
  }

  /** Forgets the namespaces not in `live` (their servers stopped or went). */
  forgetAllBut(live: Set<string>): void {
    for (const id of this.applied.keys()) if (!live.has(id) && !this.busy.has(id)) this.applied.delete(id);
  }
}
