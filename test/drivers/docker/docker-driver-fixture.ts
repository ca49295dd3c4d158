/**
 * A Docker driver on a private dockerd, for the driver's own tests: the daemon is started
 * once per suite (the suite is skipped, saying why, where it cannot start) and stopped with
 * its containers and networks; each test gets a fresh engine with the fixture images and a
 * driver on the daemon's socket, and whatever containers it left are removed after it.
 */
import path from 'node:path';
import { type PrivateDockerd, startDockerd } from '../../../bench/lib/dockerd.js';
import { DockerComputeDriver } from '../../../drivers/docker/index.js';
import { importFixtureImages } from '../../conformance/conformance-targets.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { type ImageFixtures, makeImageFixtures, removeImageFixtures } from '../local/driver-fixture.js';

export interface DockerDriverFixture {
  images: ImageFixtures;
  /** The daemon's directory: its socket is `docker.sock` there. */
  root: string;
  dockerd: PrivateDockerd;
  t: TestEngine;
  driver: DockerComputeDriver;
}

/** Registers the suite's hooks; the returned object is filled in by them (read it inside tests). */
export function useDockerDriver(label: string): DockerDriverFixture {
  const f = {} as DockerDriverFixture;
  before(async function () {
    f.images = makeImageFixtures();
    f.root = makeTempDir(label);
    const started = await startDockerd(f.root);
    if (!('docker' in started)) {
      console.log(`      skipped: dockerd cannot start here: ${started.reason}`);
      this.skip();
    }
    f.dockerd = started;
  });
  after(async () => {
    await f.dockerd?.stop();
    if (f.root) removeTempDir(f.root);
    if (f.images) removeImageFixtures(f.images);
  });
  beforeEach(async () => {
    f.t = openTestEngine(`${label}-engine`);
    await importFixtureImages(f.t.engine, f.images);
    f.driver = new DockerComputeDriver(f.t.engine, { endpoint: `unix://${path.join(f.root, 'docker.sock')}` });
  });
  afterEach(() => {
    const left = f.dockerd.docker(['ps', '-aq']).split('\n').filter(Boolean);
    if (left.length > 0) f.dockerd.docker(['rm', '-f', ...left]);
    f.driver.close();
    f.t.destroy();
  });
  return f;
}
