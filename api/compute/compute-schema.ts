/** Nova's tables in cloud.db. Append-only migrations. */
export const computeMigrations: readonly string[] = [
  `CREATE TABLE flavors (
     id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, vcpus INTEGER NOT NULL, ram INTEGER NOT NULL, disk INTEGER NOT NULL,
     ephemeral INTEGER NOT NULL DEFAULT 0, swap INTEGER NOT NULL DEFAULT 0, rxtx_factor REAL NOT NULL DEFAULT 1,
     is_public INTEGER NOT NULL DEFAULT 1, disabled INTEGER NOT NULL DEFAULT 0, extra_specs TEXT NOT NULL DEFAULT '{}', created_at INTEGER NOT NULL
   );
   CREATE TABLE keypairs (
     user_id TEXT NOT NULL, name TEXT NOT NULL, id INTEGER PRIMARY KEY AUTOINCREMENT, public_key TEXT NOT NULL,
     fingerprint TEXT NOT NULL, type TEXT NOT NULL DEFAULT 'ssh', created_at INTEGER NOT NULL, UNIQUE (user_id, name)
   );
   CREATE TABLE servers (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, project_id TEXT NOT NULL, user_id TEXT NOT NULL,
     image_id TEXT NOT NULL, flavor_id TEXT NOT NULL, old_flavor_id TEXT, key_name TEXT, key_data TEXT,
     vm_state TEXT NOT NULL, task_state TEXT, power_state INTEGER NOT NULL DEFAULT 0,
     metadata TEXT NOT NULL DEFAULT '{}', user_data TEXT, config_drive INTEGER NOT NULL DEFAULT 0,
     availability_zone TEXT NOT NULL, access_ipv4 TEXT NOT NULL DEFAULT '', access_ipv6 TEXT NOT NULL DEFAULT '',
     security_groups TEXT NOT NULL DEFAULT '["default"]', addresses TEXT NOT NULL DEFAULT '{}', fault TEXT,
     vcpus INTEGER NOT NULL, ram INTEGER NOT NULL, disk INTEGER NOT NULL,
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, launched_at INTEGER, terminated_at INTEGER, deleted INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX servers_project ON servers (project_id, deleted);
   CREATE TABLE quotas (project_id TEXT NOT NULL, resource TEXT NOT NULL, hard_limit INTEGER NOT NULL, PRIMARY KEY (project_id, resource));`,
  // The compute host a server landed on, when the driver spans several (OS-EXT-SRV-ATTR:host).
  'ALTER TABLE servers ADD COLUMN host TEXT',
];
