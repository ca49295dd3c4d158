/** The identity service's parts, opened together over the cloud database. */
import type { CloudDatabase } from '../http/cloud-database.js';
import { migrateService } from '../http/cloud-database.js';
import { ApplicationCredentials } from './application-credentials.js';
import { identityMigrations } from './identity-schema.js';
import { IdentityStore } from './identity-store.js';
import type { CatalogService } from './service-catalog.js';
import { TokenService } from './token-service.js';

export class IdentityService {
  readonly store: IdentityStore;
  readonly tokens: TokenService;
  readonly applicationCredentials: ApplicationCredentials;

  constructor(db: CloudDatabase, dataDir: string, readonly catalogServices: CatalogService[], options: { tokenLifetimeMs?: number } = {}) {
    migrateService(db, 'identity', identityMigrations);
    this.store = new IdentityStore(db);
    this.tokens = new TokenService(db, this.store, dataDir, options.tokenLifetimeMs);
    this.applicationCredentials = new ApplicationCredentials(db, this.store);
  }
}
