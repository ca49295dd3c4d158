/**
 * The registry client's contract: pull and push images between the store and a Docker
 * Registry v2 / OCI distribution registry, credentials per registry host, and the progress
 * events a display can draw.
 *
 * LIMITATIONS against Docker's client: no Docker schema1 manifests; no foreign layers
 * (descriptor `urls`); push sends each layer blob as stored (an image loaded from an
 * uncompressed archive is pushed uncompressed, a valid OCI image but a bigger one); plain
 * HTTP is used for loopback and listed hosts without first trying TLS; credential helpers
 * (`credsStore`) are not consulted; a pull records `name:tag` (or `name@digest`), not a
 * separate repo digest.
 */
export { pullImage, type PullOptions, type PullResult } from './pull.js';
export { pushImage, type PushOptions, type PushResult } from './push.js';
export { verifyLogin } from './login.js';
export { CredentialStore, type Credentials } from './credential-store.js';
export type { ProgressListener, TransferEvent, TransferStatus } from './transfer-progress.js';
