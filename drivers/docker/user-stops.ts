/**
 * Which instances are down because a user stopped them. Docker records an exit code but
 * not who caused the exit, and a stopped container's labels cannot change, so the driver
 * remembers its own stops: in memory, and in a small JSON file when given one, so that a
 * restarted server still tells a user's stop from a crash.
 */
import fs from 'node:fs';
import path from 'node:path';

export class UserStops {
  private readonly ids: Set<string>;

  constructor(private readonly file?: string) {
    let saved: string[] = [];
    if (file !== undefined && fs.existsSync(file)) {
      try {
        saved = JSON.parse(fs.readFileSync(file, 'utf8')) as string[];
      } catch {
        // A torn write: forget the stops rather than refuse to start.
      }
    }
    this.ids = new Set(Array.isArray(saved) ? saved : []);
  }

  has(instanceId: string): boolean {
    return this.ids.has(instanceId);
  }

  mark(instanceId: string): void {
    if (this.ids.has(instanceId)) return;
    this.ids.add(instanceId);
    this.save();
  }

  clear(instanceId: string): void {
    if (this.ids.delete(instanceId)) this.save();
  }

  private save(): void {
    if (this.file === undefined) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify([...this.ids]));
    fs.renameSync(tmp, this.file);
  }
}
