/**
 * The engine's SQLite database (better-sqlite3), one file in the data dir. WAL mode and a
 * busy timeout let several intermodal processes (CLI and server) share it: readers never
 * block, writers queue. Every multi-row change goes through `transaction` so that a crash
 * or a refused input leaves no half-written state.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { migrations } from './schema.js';

/** An open engine database. */
export type EngineDatabase = Database.Database;

/** Opens (creating and migrating as needed) the database under `dataDir`. */
export function openDatabase(dataDir: string): EngineDatabase {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const db = new Database(path.join(dataDir, 'intermodal.db'), { timeout: 30_000 });
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable across process crashes; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: EngineDatabase): void {
  // BEGIN IMMEDIATE takes the write lock first, so two processes starting at once migrate once.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let version = current; version < migrations.length; version++) {
      db.exec(migrations[version]!);
    }
    if (current < migrations.length) db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}

/** Runs `fn` in one write transaction (BEGIN IMMEDIATE), returning its result. */
export function transaction<T>(db: EngineDatabase, fn: () => T): T {
  return db.transaction(fn).immediate();
}
