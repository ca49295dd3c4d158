/**
 * The drivers the conformance suite runs against, each over real parts: `local` on our
 * engine (runc, conmon, overlayfs; the local driver's own fixture), `docker` on a private
 * dockerd from Debian's docker.io with its own data root and socket. Each gives the suite
 * a driver, the engine whose store holds the images, and the few backend-side looks a
 * user would take (which containers exist on the host, what is mounted), so the suite
 * itself never depends on which driver it is testing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDockerd, type PrivateDockerd } from '../../bench/lib/dockerd.js';
import type { ComputeDriver } from '../../drivers/compute-driver.js';
import { DockerComputeDriver } from '../../drivers/docker/index.js';
import { specFor } from '../../drivers/local/instance-spawn.js';
import type { Engine } from '../../engine/engine.js';
import { importRootfs } from '../../engine/images/import-rootfs.js';
import { bootImage, failingImage, type ImageFixtures, missingCommandImage, openDriverFixture, otherImage, spawnRequest } from '../drivers/local/driver-fixture.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { mountsUnder, openTestEngine } from '../helpers/test-engine.js';

/** One test's driver and the looks at its backend. */
export interface TargetInstance {
  driver: ComputeDriver;
  engine: Engine;
  /** Names of every container on the backend, the driver's or not. */
  backendContainers(): Promise<string[]>;
  /** Containers recorded in our engine (none for a remote driver). */
  engineContainers(): string[];
  /** Creates a container on the backend the driver did not make, named and labelled to look like an instance. */
  createForeign(name: string, image: string): Promise<void>;
  /** Mounts of instance root filesystems on the backend. */
  instanceMounts(): string[];
  teardown(): Promise<void>;
}

/** A driver under test: set up once per suite, opened once per test. */
export interface ConformanceTarget {
  name: string;
  /** Starts what the suite needs; a reason string when this machine cannot run it. */
  setup(images: ImageFixtures): Promise<string | undefined>;
  open(): Promise<TargetInstance>;
  close(): Promise<void>;
}

const serve = `echo booted; trap "exit 0" TERM; sleep 300 & wait`;

/** The fixture images of the local driver's tests, imported into `engine`. */
export async function importFixtureImages(engine: Engine, images: ImageFixtures): Promise<void> {
  const imp = (tar: string, ref: string, cmd: string[]): Promise<unknown> => importRootfs(engine, fs.createReadStream(tar), { ref, changes: [`CMD ${JSON.stringify(cmd)}`] });
  await imp(images.rootfsTar, bootImage, ['sh', '-c', serve]);
  await imp(images.rootfsTar, failingImage, ['sh', '-c', 'echo going down; sleep 0.05; echo "no config found" >&2; exit 3']);
  await imp(images.rootfsTar, missingCommandImage, ['/bin/no-such-program']);
  await imp(images.otherTar, otherImage, ['sh', '-c', serve]);
}

export function localTarget(): ConformanceTarget {
  let images: ImageFixtures;
  return {
    name: 'local',
    async setup(fixtures) {
      images = fixtures;
      return undefined;
    },
    async open() {
      const f = await openDriverFixture(images);
      return {
        driver: f.driver,
        engine: f.t.engine,
        backendContainers: async () => f.containers.store.list().map((r) => r.name),
        engineContainers: () => f.containers.store.list().map((r) => r.name),
        async createForeign(name, image) {
          const spec = specFor(f.t.engine, spawnRequest('foreign', { image }));
          await f.containers.create({ ...spec, labels: { 'org.intermodal.instance-id': 'foreign' } }, name);
        },
        instanceMounts: () => mountsUnder(path.join(f.t.dataDir, 'containers')),
        teardown: () => f.teardown(),
      };
    },
    async close() {},
  };
}

export function dockerTarget(): ConformanceTarget {
  let images: ImageFixtures;
  let root: string;
  let dockerd: PrivateDockerd | undefined;
  const socket = (): string => path.join(root, 'docker.sock');
  const names = (): string[] => dockerd!.docker(['ps', '-a', '--format', '{{.Names}}']).split('\n').filter(Boolean);
  return {
    name: 'docker',
    async setup(fixtures) {
      images = fixtures;
      root = makeTempDir('conformance-dockerd');
      const started = await startDockerd(root);
      if ('reason' in started) return started.reason;
      dockerd = started;
      return undefined;
    },
    async open() {
      const t = openTestEngine('conformance-docker');
      await importFixtureImages(t.engine, images);
      const driver = new DockerComputeDriver(t.engine, { endpoint: `unix://${socket()}`, stateFile: path.join(t.dataDir, 'docker-driver', 'user-stops.json') });
      return {
        driver,
        engine: t.engine,
        backendContainers: async () => names(),
        engineContainers: () => (t.engine.db.prepare('SELECT name FROM containers').all() as { name: string }[]).map((r) => r.name),
        async createForeign(name, image) {
          const id = t.engine.images.resolve(image).id;
          // The image reaches the daemon the way a user's would: `docker load` of our archive.
          await driver.spawn(spawnRequest('loader', { image: id }));
          await driver.destroy('loader');
          dockerd!.docker(['create', '--name', name, '--label', 'org.intermodal.instance-id=foreign', '--network', 'none', id]);
        },
        instanceMounts: () => mountsUnder(path.join(root, 'docker')).filter((m) => m.endsWith('/merged')),
        async teardown() {
          const left = names();
          if (left.length > 0) dockerd!.docker(['rm', '-f', '-v', ...left]);
          driver.close();
          t.destroy();
          assert.deepEqual(names(), [], 'no container is left on the daemon');
        },
      };
    },
    async close() {
      await dockerd?.stop();
      removeTempDir(root);
    },
  };
}
