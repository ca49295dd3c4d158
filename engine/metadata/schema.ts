/**
 * The database schema as an ordered list of migrations; `user_version` records how many ran.
 * Append, never edit: a data dir made by an older build is migrated forward at open.
 */
export const migrations: string[] = [
  `
  -- Blob content lives in the content store's files (the truth for what exists); rows
  -- here only say what refers to which blob.

  -- Unpacked layers, keyed by chain ID; dir is relative to the data dir.
  CREATE TABLE layers (
    chain_id      TEXT PRIMARY KEY,
    diff_id       TEXT NOT NULL,
    parent        TEXT REFERENCES layers(chain_id),
    size          INTEGER NOT NULL,      -- bytes of the unpacked tar (uncompressed)
    dir           TEXT NOT NULL,
    created_at    INTEGER NOT NULL
  );

  -- The blobs that carry a layer's content (a gzip and an uncompressed form may both exist).
  CREATE TABLE layer_blobs (
    diff_id     TEXT NOT NULL,
    digest      TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    PRIMARY KEY (diff_id, digest)
  );

  -- Images: id is the config blob digest, as Docker defines an image ID.
  CREATE TABLE images (
    id              TEXT PRIMARY KEY,
    config_digest   TEXT NOT NULL,
    manifest_digest TEXT,             -- set when the image came with (or was given) a manifest
    top_layer       TEXT REFERENCES layers(chain_id),
    created_at      INTEGER NOT NULL
  );

  -- Names: 'repo:tag' or 'repo@sha256:...' pointing at an image.
  CREATE TABLE image_refs (
    ref       TEXT PRIMARY KEY,
    image_id  TEXT NOT NULL REFERENCES images(id)
  );
  CREATE INDEX image_refs_by_image ON image_refs(image_id);

  -- Overlay snapshots: an active (writable) or view (read-only) snapshot over a layer chain.
  CREATE TABLE snapshots (
    key         TEXT PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,    -- the directory name under snapshots/
    kind        TEXT NOT NULL CHECK (kind IN ('active', 'view')),
    parent      TEXT,                    -- chain id of the top lower layer; none for an empty rootfs
    image_id    TEXT,                    -- the image it was made from, if any (keeps it from rmi)
    labels      TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
  );

  -- Leases keep what an operation in progress has made (a blob, a layer) from garbage
  -- collection until it is referenced by an image; a lease whose process is gone is void.
  CREATE TABLE leases (
    resource    TEXT NOT NULL,           -- 'blob:sha256:...' or 'layer:sha256:...'
    pid         INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (resource, pid)
  );
  `,
  `
  -- Containers: the run options they were made with (JSON, as the user gave them, resolved)
  -- and their last known state. The runtime (runc) holds the live truth; start-up
  -- reconciles the two.
  CREATE TABLE containers (
    id            TEXT PRIMARY KEY,        -- 64 hex
    name          TEXT NOT NULL UNIQUE,
    image_id      TEXT NOT NULL,
    image_ref     TEXT NOT NULL,           -- what the user asked for
    spec          TEXT NOT NULL,           -- JSON of ContainerSpec
    status        TEXT NOT NULL CHECK (status IN ('created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing')),
    pid           INTEGER,
    conmon_pid    INTEGER,
    exit_code     INTEGER,
    oom_killed    INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    restart_count INTEGER NOT NULL DEFAULT 0,
    stopped_by_user INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER
  );

  -- Named and anonymous volumes; dir is relative to the data dir.
  CREATE TABLE volumes (
    name        TEXT PRIMARY KEY,
    dir         TEXT NOT NULL,
    anonymous   INTEGER NOT NULL DEFAULT 0,
    labels      TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
  );

  -- Which container uses which volume (for rm -v and volume rm refusal).
  CREATE TABLE container_volumes (
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    volume       TEXT NOT NULL REFERENCES volumes(name),
    destination  TEXT NOT NULL,
    PRIMARY KEY (container_id, destination)
  );
  `,
  `
  -- The registry API's record of what was pushed, per repository ('team/app'). Blobs stay
  -- in the content store; these rows say which repository may serve which blob and
  -- manifest, and keep them from garbage collection while a repository refers to them.
  CREATE TABLE registry_repositories (
    name        TEXT PRIMARY KEY,
    project     TEXT,                    -- owning project, set by the first push; NULL = any user
    public      INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE registry_blobs (
    repository  TEXT NOT NULL,
    digest      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (repository, digest)
  );
  CREATE TABLE registry_manifests (
    repository  TEXT NOT NULL,
    digest      TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    image_id    TEXT,                    -- the image store image it made, if it is a runnable image
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (repository, digest)
  );
  -- A tag is valid while the image store's 'repository:tag' still names image_id (or
  -- image_id is NULL: an index or artifact with no image here).
  CREATE TABLE registry_tags (
    repository  TEXT NOT NULL,
    tag         TEXT NOT NULL,
    digest      TEXT NOT NULL,
    image_id    TEXT,
    PRIMARY KEY (repository, tag)
  );
  `,
];
