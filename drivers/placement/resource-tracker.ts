/**
 * What placement knows of each host's room without asking it at every boot: a host's report
 * (getAvailableResource, which on a Docker host costs a call per container) is taken at most
 * every `refreshMs`, and the claims placement made or released since are added on top, as
 * Nova's resource tracker keeps its own count between audits. A boot therefore costs no
 * round trip to the host to decide where it goes, and two boots in a row still see each
 * other's claims.
 */
import type { AvailableResource, InstanceResources } from '../compute-driver.js';

interface Snapshot {
  takenAt: number;
  report: AvailableResource;
  claimed: { vcpus: number; memoryMb: number; instances: number };
}

export class ResourceTracker {
  private readonly snapshots = new Map<string, Snapshot>();

  constructor(private readonly refreshMs = 5_000) {}

  /** The host's room: its last report, fresh enough, with the claims since; `ask` when stale. */
  async current(host: string, ask: () => Promise<AvailableResource>): Promise<AvailableResource> {
    let s = this.snapshots.get(host);
    if (!s || Date.now() - s.takenAt >= this.refreshMs) {
      const report = await ask();
      s = { takenAt: Date.now(), report, claimed: { vcpus: 0, memoryMb: 0, instances: 0 } };
      this.snapshots.set(host, s);
    }
    return {
      ...s.report,
      vcpusUsed: s.report.vcpusUsed + s.claimed.vcpus,
      memoryMbUsed: s.report.memoryMbUsed + s.claimed.memoryMb,
      runningInstances: s.report.runningInstances + s.claimed.instances,
    };
  }

  /** Counts an instance placed on (sign 1) or taken off (sign -1) the host since its last report. */
  claim(host: string, resources: InstanceResources | undefined, sign: 1 | -1): void {
    const s = this.snapshots.get(host);
    if (!s) return;
    s.claimed.vcpus += sign * (resources?.vcpus ?? 0);
    s.claimed.memoryMb += sign * (resources?.memoryMb ?? 0);
    s.claimed.instances += sign;
  }

  /** Forgets the host's report, so the next question asks it (after a failure, a resize). */
  forget(host: string): void {
    this.snapshots.delete(host);
  }
}
