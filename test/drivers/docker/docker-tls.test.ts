/**
 * A Docker host over TCP with TLS client certificates, configured as an operator would in
 * compute-hosts.yaml: the driver boots and reads an instance there (CPU and memory then
 * come from the daemon's stats API, the host not being this machine's), and a client
 * without a certificate the daemon trusts gets nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openContainerService } from '../../../bin/cli/open-container-service.js';
import { PowerState } from '../../../drivers/compute-driver.js';
import { computeDriverFromConfig } from '../../../drivers/compute-hosts-config.js';
import { DockerComputeDriver } from '../../../drivers/docker/index.js';
import { MultiHostDriver } from '../../../drivers/placement/multi-host-driver.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { importFixtureImages } from '../../conformance/conformance-targets.js';
import { type ImageFixtures, makeImageFixtures, removeImageFixtures, spawnRequest, until } from '../local/driver-fixture.js';
import { startTlsDockerd, type TlsDockerd } from './tls-dockerd.js';

describe('drivers/docker over TCP with TLS client certificates', function () {
  this.timeout(120_000);
  let images: ImageFixtures;
  let root: string;
  let dockerd: TlsDockerd | undefined;
  let t: TestEngine;

  before(async function () {
    images = makeImageFixtures();
    root = makeTempDir('docker-tls');
    const started = await startTlsDockerd(root);
    if (!('docker' in started)) {
      console.log(`      skipped: dockerd cannot start here: ${started.reason}`);
      this.skip();
    }
    dockerd = started;
    t = openTestEngine('docker-tls-engine');
    await importFixtureImages(t.engine, images);
  });
  after(async () => {
    if (dockerd) {
      const left = dockerd.docker(['ps', '-aq']).split('\n').filter(Boolean);
      if (left.length > 0) dockerd.docker(['rm', '-f', ...left]);
      await dockerd.stop();
      t.destroy();
    }
    removeTempDir(root);
    removeImageFixtures(images);
  });

  it('boots, reads and removes an instance on a TLS host named in compute-hosts.yaml', async () => {
    const d = dockerd!;
    fs.writeFileSync(path.join(t.dataDir, 'compute-hosts.yaml'), `compute_hosts:\n  - name: remote-1\n    driver: docker\n    endpoint: ${d.endpoint}\n    tls: {ca: ${d.ca}, cert: ${d.cert}, key: ${d.key}}\n`);
    // One docker host goes behind placement (which reports it NOSTATE should it stop answering).
    const driver = computeDriverFromConfig(t.engine, openContainerService(t.engine), t.dataDir) as MultiHostDriver;
    const docker = driver.hosts[0]!.driver as DockerComputeDriver;
    try {
      assert.ok(driver instanceof MultiHostDriver && docker instanceof DockerComputeDriver);
      const info = await driver.spawn(spawnRequest('i-tls', { files: [{ path: '/etc/motd', contents: Buffer.from('over tls\n') }], bootScript: Buffer.from('#!/bin/sh\ncat /etc/motd\n') }));
      assert.equal(info.powerState, PowerState.RUNNING);
      assert.deepEqual(d.docker(['ps', '--format', '{{.Names}}']).trim(), 'instance-i-tls');
      await until('the console', async () => ((await driver.getConsoleOutput('i-tls')) === 'over tls\nbooted\n' ? true : undefined));
      const later = await driver.getInfo('i-tls');
      assert.ok(later.memoryBytes > 0 && later.cpuTimeNs > 0, 'usage comes from the daemon\'s stats');
      assert.equal(later.maxMemoryBytes, 64 * 1024 * 1024);
      const host = await driver.getAvailableResource();
      assert.equal(host.hypervisorHostname, 'remote-1');
      assert.equal(host.runningInstances, 1);
      await driver.destroy('i-tls');
      assert.equal(d.docker(['ps', '-aq']).trim(), '');
    } finally {
      docker.close();
    }
  });

  it('gets nothing from the host without a client certificate it trusts', async () => {
    const d = dockerd!;
    const noCert = new DockerComputeDriver(t.engine, { endpoint: d.endpoint, tls: { ca: fs.readFileSync(d.ca) } });
    const noCa = new DockerComputeDriver(t.engine, { endpoint: d.endpoint, tls: { cert: fs.readFileSync(d.cert), key: fs.readFileSync(d.key) } });
    try {
      await assert.rejects(noCert.listInstances(), /docker daemon at tcp:\/\/127\.0\.0\.1/);
      await assert.rejects(noCa.listInstances(), /self-signed|unable to verify|certificate/);
    } finally {
      noCert.close();
      noCa.close();
    }
  });
});
