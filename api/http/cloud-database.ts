/**
 * The cloud's own database (identity, servers, flavors, image records): a SQLite file
 * beside the engine's, so the API's state never mixes with the engine's. Each service
 * owns its tables and migrates them under its own name, so services evolve independently.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

/** An open cloud database. */
export type CloudDatabase = Database.Database;

/** Opens (creating as needed) `DIR/cloud.db`. */
export function openCloudDatabase(dataDir: string): CloudDatabase {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const db = new Database(path.join(dataDir, 'cloud.db'), { timeout: 30_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (service TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  return db;
}

/** Applies the service's migrations it has not yet run, in one write transaction. */
export function migrateService(db: CloudDatabase, service: string, migrations: readonly string[]): void {
  db.transaction(() => {
    const row = db.prepare('SELECT version FROM schema_versions WHERE service = ?').get(service) as { version: number } | undefined;
    const current = row?.version ?? 0;
    for (let version = current; version < migrations.length; version++) db.exec(migrations[version]!);
    if (current < migrations.length) {
      db.prepare('INSERT INTO schema_versions (service, version) VALUES (?, ?) ON CONFLICT(service) DO UPDATE SET version = excluded.version')
        .run(service, migrations.length);
    }
  }).immediate();
}
