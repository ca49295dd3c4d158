/** Heat's tables in cloud.db. Append-only migrations. */
export const orchestrationMigrations: readonly string[] = [
  `CREATE TABLE stacks (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, project_id TEXT NOT NULL, user_id TEXT NOT NULL,
     status TEXT NOT NULL, status_reason TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
     template TEXT NOT NULL, environment TEXT NOT NULL, files TEXT NOT NULL, parameters TEXT NOT NULL,
     disable_rollback INTEGER NOT NULL, timeout_mins INTEGER, tags TEXT NOT NULL DEFAULT '[]',
     caller TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER, deleted_at INTEGER
   );
   CREATE UNIQUE INDEX stacks_live_name ON stacks (project_id, name) WHERE deleted_at IS NULL;
   CREATE TABLE stack_resources (
     stack_id TEXT NOT NULL REFERENCES stacks(id), name TEXT NOT NULL, type TEXT NOT NULL,
     physical_id TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, status_reason TEXT NOT NULL DEFAULT '',
     state TEXT, created_at INTEGER NOT NULL, updated_at INTEGER, PRIMARY KEY (stack_id, name)
   );
   CREATE TABLE stack_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stack_id TEXT NOT NULL, resource_name TEXT NOT NULL,
     physical_id TEXT NOT NULL, resource_type TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, time INTEGER NOT NULL
   );
   CREATE INDEX stack_events_stack ON stack_events (stack_id, seq);`,
  `CREATE TABLE stack_signals (seq INTEGER PRIMARY KEY AUTOINCREMENT, handle_id TEXT NOT NULL, body TEXT NOT NULL, time INTEGER NOT NULL);
   CREATE INDEX stack_signals_handle ON stack_signals (handle_id, seq);`,
];
