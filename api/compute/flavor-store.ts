/**
 * Flavors: vcpus become a CPU quota, ram a memory limit, disk a recorded root size. The
 * default set matches devstack's m1.* so scripts written for a real cloud find them.
 */
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import type { CloudDatabase } from '../http/cloud-database.js';

export interface Flavor {
  id: string; name: string; vcpus: number; ram: number; disk: number; ephemeral: number; swap: number;
  rxtxFactor: number; isPublic: boolean; disabled: boolean; extraSpecs: Record<string, string>;
}

interface Row { id: string; name: string; vcpus: number; ram: number; disk: number; ephemeral: number; swap: number; rxtx_factor: number; is_public: number; disabled: number; extra_specs: string }

const toFlavor = (r: Row): Flavor => ({
  id: r.id, name: r.name, vcpus: r.vcpus, ram: r.ram, disk: r.disk, ephemeral: r.ephemeral, swap: r.swap, rxtxFactor: r.rxtx_factor,
  isPublic: r.is_public === 1, disabled: r.disabled === 1, extraSpecs: JSON.parse(r.extra_specs) as Record<string, string>,
});

const defaults: Array<[string, string, number, number, number]> = [
  ['1', 'm1.tiny', 1, 512, 1], ['2', 'm1.small', 1, 2048, 20], ['3', 'm1.medium', 2, 4096, 40],
  ['4', 'm1.large', 4, 8192, 80], ['5', 'm1.xlarge', 8, 16384, 160], ['42', 'm1.nano', 1, 128, 1], ['84', 'm1.micro', 1, 192, 1],
];

export class FlavorStore {
  constructor(private readonly db: CloudDatabase) {
    const insert = db.prepare('INSERT OR IGNORE INTO flavors (id, name, vcpus, ram, disk, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    if ((db.prepare('SELECT COUNT(*) AS n FROM flavors').get() as { n: number }).n === 0) {
      for (const [id, name, vcpus, ram, disk] of defaults) insert.run(id, name, vcpus, ram, disk, Date.now());
    }
  }

  list(filter: { isPublic?: boolean; minRam?: number; minDisk?: number } = {}): Flavor[] {
    const rows = this.db.prepare('SELECT * FROM flavors ORDER BY CAST(id AS INTEGER), id').all() as Row[];
    return rows.map(toFlavor).filter((f) => (filter.isPublic === undefined || f.isPublic === filter.isPublic)
      && (filter.minRam === undefined || f.ram >= filter.minRam) && (filter.minDisk === undefined || f.disk >= filter.minDisk));
  }

  get(id: string): Flavor {
    const row = this.db.prepare('SELECT * FROM flavors WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new NotFoundError(`Flavor ${id} could not be found.`);
    return toFlavor(row);
  }

  create(input: { id?: string; name: string; vcpus: number; ram: number; disk: number; ephemeral?: number; swap?: number; rxtxFactor?: number; isPublic?: boolean }): Flavor {
    const id = input.id ?? crypto.randomUUID();
    for (const [k, v] of Object.entries({ vcpus: input.vcpus, ram: input.ram, disk: input.disk })) {
      if (!Number.isInteger(v) || v < (k === 'disk' ? 0 : 1)) throw new InvalidArgumentError(`Invalid input for field/attribute ${k}.`);
    }
    try {
      this.db.prepare('INSERT INTO flavors (id, name, vcpus, ram, disk, ephemeral, swap, rxtx_factor, is_public, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, input.name, input.vcpus, input.ram, input.disk, input.ephemeral ?? 0, input.swap ?? 0, input.rxtxFactor ?? 1, input.isPublic === false ? 0 : 1, Date.now());
    } catch (err) {
      if (String((err as { code?: string }).code).startsWith('SQLITE_CONSTRAINT')) throw new AlreadyExistsError(`Flavor with name ${input.name} or id ${id} already exists.`);
      throw err;
    }
    return this.get(id);
  }

  delete(id: string): void {
    if (this.db.prepare('DELETE FROM flavors WHERE id = ?').run(id).changes === 0) throw new NotFoundError(`Flavor ${id} could not be found.`);
  }

  setExtraSpecs(id: string, specs: Record<string, string>): Record<string, string> {
    const merged = { ...this.get(id).extraSpecs, ...specs };
    this.db.prepare('UPDATE flavors SET extra_specs = ? WHERE id = ?').run(JSON.stringify(merged), id);
    return merged;
  }

  deleteExtraSpec(id: string, key: string): void {
    const specs = this.get(id).extraSpecs;
    if (!(key in specs)) throw new NotFoundError(`Flavor ${id} has no extra specs with key ${key}.`);
    delete specs[key];
    this.db.prepare('UPDATE flavors SET extra_specs = ? WHERE id = ?').run(JSON.stringify(specs), id);
  }
}
