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
];
