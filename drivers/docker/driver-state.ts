/**
 * What the docker driver must remember that the daemon does not record: which instances
 * are down because a user stopped them (Docker keeps an exit code, not who caused the
 * exit), and the disk size of a resized instance (a container's labels cannot change
 * after create). Kept in memory, and in a small JSON file when given one, so a restarted
 * server still tells a user's stop from a crash and counts allocations right.
 */
import fs from 'node:fs';
import path from 'node:path';

interface Saved {
  stopped: string[];
  diskGb: Record<string, number>;
}

export class DockerDriverState {
  private readonly stopped: Set<string>;
  private readonly diskGb: Map<string, number>;

  constructor(private readonly file?: string) {
    let saved: Partial<Saved> = {};
    if (file !== undefined && fs.existsSync(file)) {
      try {
        saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Saved>;
      } catch {
        // A torn write: forget rather than refuse to start; the labels still hold the flavor.
      }
    }
    this.stopped = new Set(Array.isArray(saved.stopped) ? saved.stopped : []);
    this.diskGb = new Map(Object.entries(saved.diskGb ?? {}).filter(([, v]) => typeof v === 'number'));
  }

  stoppedByUser(instanceId: string): boolean {
    return this.stopped.has(instanceId);
  }

  markStopped(instanceId: string): void {
    if (this.stopped.has(instanceId)) return;
    this.stopped.add(instanceId);
    this.save();
  }

  clearStopped(instanceId: string): void {
    if (this.stopped.delete(instanceId)) this.save();
  }

  /** The disk size a resize gave the instance, if any. */
  resizedDisk(instanceId: string): number | undefined {
    return this.diskGb.get(instanceId);
  }

  setResizedDisk(instanceId: string, gb: number): void {
    this.diskGb.set(instanceId, gb);
    this.save();
  }

  /** Forgets everything about an instance that is gone (or spawned anew). */
  forget(instanceId: string): void {
    const wasStopped = this.stopped.delete(instanceId);
    const wasResized = this.diskGb.delete(instanceId);
    if (wasStopped || wasResized) this.save();
  }

  private save(): void {
    if (this.file === undefined) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    const saved: Saved = { stopped: [...this.stopped], diskGb: Object.fromEntries(this.diskGb) };
    fs.writeFileSync(tmp, JSON.stringify(saved));
    fs.renameSync(tmp, this.file);
  }
}
