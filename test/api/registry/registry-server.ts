/** Our registry API on 127.0.0.1:0 over a scratch engine, with two users in two projects. */
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { registryApi } from '../../../api/registry/registry-api.js';
import { RepositoryStore } from '../../../api/registry/repository-store.js';
import { StaticAuthenticator } from '../../../api/registry/static-authenticator.js';
import { buildDockerArchive, makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { type TestEngine, openTestEngine } from '../../helpers/test-engine.js';

/** A running registry under test. */
export interface RegistryServer {
  test: TestEngine;
  app: FastifyInstance;
  /** `127.0.0.1:PORT`, as docker and skopeo want it. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  store: RepositoryStore;
  close(): Promise<void>;
}

/** alice and carol are in project 'default', bob in 'other'. */
export const users = { alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret' };

/** Starts the registry on a fresh engine. */
export async function startRegistryServer(label: string): Promise<RegistryServer> {
  const test = openTestEngine(label);
  const auth = new StaticAuthenticator();
  auth.add(`alice:${users.alice}`);
  auth.add(`bob:${users.bob}:other`);
  auth.add(`carol:${users.carol}:default`);
  const app = Fastify({ logger: false });
  await app.register(registryApi, { prefix: '/v2', engine: test.engine, auth });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return {
    test,
    app,
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    store: new RepositoryStore(test.engine),
    async close() {
      await app.close();
      test.destroy();
    },
  };
}

/** A one-layer busybox docker-archive at `dir/busybox.tar`; returns its path and image ID. */
export function busyboxArchive(dir: string, tag = 'busybox:latest'): { file: string; imageId: string } {
  const rootfs = path.join(dir, 'rootfs');
  if (!fs.existsSync(rootfs)) makeBusyboxRootfs(rootfs);
  const file = path.join(dir, 'busybox.tar');
  const { configDigest } = buildDockerArchive(file, { layers: [{ dir: rootfs, gzip: true }], tags: [tag], cmd: ['/bin/sh'], workDir: dir });
  return { file, imageId: configDigest };
}

/** Basic credentials header. */
export function basic(user: keyof typeof users): string {
  return `Basic ${Buffer.from(`${user}:${users[user]}`).toString('base64')}`;
}
