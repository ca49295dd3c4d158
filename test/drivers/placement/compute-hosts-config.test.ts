import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openContainerService } from '../../../bin/cli/open-container-service.js';
import { computeDriverFromConfig } from '../../../drivers/compute-hosts-config.js';
import { DockerComputeDriver } from '../../../drivers/docker/index.js';
import { LocalComputeDriver } from '../../../drivers/local/index.js';
import { MultiHostDriver } from '../../../drivers/placement/multi-host-driver.js';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';

describe('drivers/compute-hosts-config (DATA_DIR/compute-hosts.yaml)', () => {
  let t: TestEngine;
  beforeEach(() => {
    t = openTestEngine('compute-hosts');
  });
  afterEach(() => t.destroy());

  const withFile = (yaml: string) => {
    fs.writeFileSync(path.join(t.dataDir, 'compute-hosts.yaml'), yaml);
    return computeDriverFromConfig(t.engine, openContainerService(t.engine), t.dataDir);
  };

  it('computes on this machine\'s engine alone when there is no file', () => {
    assert.ok(computeDriverFromConfig(t.engine, openContainerService(t.engine), t.dataDir) instanceof LocalComputeDriver);
  });

  it('uses a single local host directly, and a docker host or several hosts through placement', async () => {
    assert.ok(withFile('compute_hosts:\n  - name: here\n    driver: local\n') instanceof LocalComputeDriver);
    const one = withFile('compute_hosts:\n  - name: d1\n    driver: docker\n    endpoint: unix:///nonexistent/docker.sock\n');
    // Behind placement, a daemon that does not answer makes its instances NOSTATE rather than failing calls.
    assert.ok(one instanceof MultiHostDriver);
    assert.equal(one.type, 'docker');
    assert.ok(one.hosts[0]!.driver instanceof DockerComputeDriver);
    (one.hosts[0]!.driver as DockerComputeDriver).close();
    const two = withFile('compute_hosts:\n  - {name: here, driver: local}\n  - {name: d1, driver: docker, endpoint: "unix:///nonexistent/docker.sock"}\n');
    assert.ok(two instanceof MultiHostDriver);
    assert.deepEqual(two.hosts.map((h) => [h.name, h.driver.type]), [['here', 'local'], ['d1', 'docker']]);
    // The unreachable daemon is left out of the host list rather than failing it.
    assert.deepEqual((await two.listHosts()).map((h) => h.hypervisorHostname), ['here']);
    (two.hosts[1]!.driver as DockerComputeDriver).close();
  });

  it('puts hosts in their availability zones (nova by default); one host in a zone of its own goes through placement', () => {
    const zoned = withFile('compute_hosts:\n  - {name: here, driver: local, availability_zone: az1}\n');
    assert.ok(zoned instanceof MultiHostDriver);
    assert.deepEqual(zoned.availabilityZones(), [{ zone: 'az1', hosts: ['here'] }]);
    const mixed = withFile('compute_hosts:\n  - {name: h1, driver: local}\n  - {name: h2, driver: local, availability_zone: az1}\n  - {name: h3, driver: local}\n');
    assert.ok(mixed instanceof MultiHostDriver);
    assert.deepEqual(mixed.availabilityZones(), [{ zone: 'nova', hosts: ['h1', 'h3'] }, { zone: 'az1', hosts: ['h2'] }]);
  });

  it('refuses a bad file at start, naming the entry and field', () => {
    const refused = (yaml: string, message: RegExp) => assert.throws(() => withFile(yaml), (err: Error) => err instanceof InvalidArgumentError && message.test(err.message));
    refused('compute_hosts: []\n', /compute_hosts must be a non-empty list/);
    refused('compute_hosts:\n  - {name: a, driver: kvm}\n', /compute_hosts\[0\]\.driver must be local or docker/);
    refused('compute_hosts:\n  - {name: a, driver: docker}\n', /compute_hosts\[0\]\.endpoint/);
    refused('compute_hosts:\n  - {name: a, driver: local}\n  - {name: a, driver: local}\n', /compute_hosts\[1\]\.name 'a' is used twice/);
    refused('compute_hosts:\n  - {name: a, driver: docker, endpoint: "tcp://10.0.0.1:2376", tls: {ca: /no/such/ca.pem}}\n', /tls\.ca must name an existing file/);
    refused('compute_hosts: [\n', /compute-hosts\.yaml/);
    refused('compute_hosts:\n  - {name: a, driver: local, availability_zone: "az:1"}\n', /compute_hosts\[0\]\.availability_zone must be a zone name/);
    refused('compute_hosts:\n  - {name: a, driver: local, availability_zone: 7}\n', /compute_hosts\[0\]\.availability_zone/);
  });
});
