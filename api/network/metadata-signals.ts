/**
 * The one kind of POST the metadata service takes: a signal a server sends to the cloud
 * (Heat's wait condition handles), forwarded in-process. Heat registers its receiver here
 * when it is mounted; the metadata server looks it up per request, so neither service
 * needs the other built first. Keyed by the cloud's database, which both services share.
 */
import type { CloudDatabase } from '../http/cloud-database.js';

export interface MetadataSignalReceiver {
  /** Whether `path` is a signal path (only these may be POSTed to). */
  accepts(path: string): boolean;
  /**
   * Records the signal sent to `path` with `token` (from its query) and the parsed JSON
   * `body`. Throws the API's errors (404 no such handle, 401 wrong token, 400 bad body).
   */
  receive(path: string, token: string, body: unknown): void;
}

const receivers = new WeakMap<CloudDatabase, MetadataSignalReceiver>();

export function registerMetadataSignalReceiver(db: CloudDatabase, receiver: MetadataSignalReceiver): void {
  receivers.set(db, receiver);
}

export function metadataSignalReceiverOf(db: CloudDatabase): MetadataSignalReceiver | undefined {
  return receivers.get(db);
}
