/** What every /v2 route handler works with. */
import type { Engine } from '../../engine/engine.js';
import type { RegistryAccess } from './registry-access.js';
import type { RepositoryStore } from './repository-store.js';
import type { UploadSessions } from './upload-sessions.js';

/** The parts one mounted registry API shares between its routes. */
export interface RegistryContext {
  engine: Engine;
  store: RepositoryStore;
  uploads: UploadSessions;
  access: RegistryAccess;
  /** Where the API is mounted ('/v2'); Location headers start with it. */
  prefix: string;
}
