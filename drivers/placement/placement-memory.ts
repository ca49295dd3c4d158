/**
 * Which host holds which instance, remembered by the placement driver. The hosts can
 * always be asked (each lists its own instances by label), but a host that is down cannot
 * answer; kept in a small JSON file, the memory still routes calls for its instances after
 * a server restart, so they read NOSTATE instead of vanishing from the API.
 */
import fs from 'node:fs';
import path from 'node:path';

export class PlacementMemory {
  private readonly hostOf = new Map<string, string>();

  constructor(private readonly file?: string) {
    if (file === undefined || !fs.existsSync(file)) return;
    try {
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      for (const [id, host] of Object.entries(saved)) if (typeof host === 'string') this.hostOf.set(id, host);
    } catch {
      // A torn write: the hosts are asked again.
    }
  }

  get(instanceId: string): string | undefined {
    return this.hostOf.get(instanceId);
  }

  set(instanceId: string, host: string): void {
    if (this.hostOf.get(instanceId) === host) return;
    this.hostOf.set(instanceId, host);
    this.save();
  }

  delete(instanceId: string): void {
    if (this.hostOf.delete(instanceId)) this.save();
  }

  /** The instances remembered on `host`. */
  on(host: string): string[] {
    return [...this.hostOf].filter(([, h]) => h === host).map(([id]) => id);
  }

  private save(): void {
    if (this.file === undefined) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(`${this.file}.tmp`, JSON.stringify(Object.fromEntries(this.hostOf)));
    fs.renameSync(`${this.file}.tmp`, this.file);
  }
}
