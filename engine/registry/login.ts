/** Checking credentials against a registry before they are kept, as `docker login` does. */
import type { RegistryConfig } from '../config.js';
import type { Credentials } from './credential-store.js';
import { RegistryClient } from './registry-client.js';

/** Resolves when `host` accepts `credentials`; ForbiddenError when it refuses them. */
export async function verifyLogin(config: RegistryConfig, host: string, credentials: Credentials): Promise<void> {
  await new RegistryClient(host, '', { config, credentials, actions: [] }).verifyLogin();
}
