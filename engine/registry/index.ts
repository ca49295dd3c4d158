/**
 * The registry client's contract: pull and push images between the store and a Docker
 * Registry v2 / OCI distribution registry, credentials per registry host, and the progress
 * events a display can draw.
 */
export { pullImage, type PullOptions, type PullResult } from './pull.js';
export { pushImage, type PushOptions, type PushResult } from './push.js';
export { verifyLogin } from './login.js';
export { CredentialStore, type Credentials } from './credential-store.js';
export type { ProgressListener, TransferEvent, TransferStatus } from './transfer-progress.js';
