/** Identity tables (Keystone's model, trimmed to what the API serves). Append-only migrations. */
export const identityMigrations: readonly string[] = [
  `CREATE TABLE domains (
     id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1
   );
   CREATE TABLE projects (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, domain_id TEXT NOT NULL REFERENCES domains(id),
     description TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1, UNIQUE (domain_id, name)
   );
   CREATE TABLE users (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, domain_id TEXT NOT NULL REFERENCES domains(id),
     password_hash TEXT, enabled INTEGER NOT NULL DEFAULT 1, email TEXT, description TEXT NOT NULL DEFAULT '',
     default_project_id TEXT, password_changed_at INTEGER NOT NULL DEFAULT 0, UNIQUE (domain_id, name)
   );
   CREATE TABLE roles (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
   CREATE TABLE role_assignments (
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
     project_id TEXT REFERENCES projects(id) ON DELETE CASCADE,
     domain_id TEXT REFERENCES domains(id) ON DELETE CASCADE,
     CHECK ((project_id IS NULL) <> (domain_id IS NULL))
   );
   CREATE UNIQUE INDEX role_assignments_unique ON role_assignments (user_id, role_id, IFNULL(project_id, ''), IFNULL(domain_id, ''));
   CREATE TABLE application_credentials (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, secret_hash TEXT NOT NULL,
     description TEXT NOT NULL DEFAULT '', expires_at INTEGER, roles TEXT NOT NULL, UNIQUE (user_id, name)
   );
   CREATE TABLE revoked_tokens (audit_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);`,
];
