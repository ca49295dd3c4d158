/** The content store contract. */
export type { BlobInfo, ContentStore, Expected, Ingester, Manager, Provider } from './content-store.js';
