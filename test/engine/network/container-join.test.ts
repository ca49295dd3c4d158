import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { networkRequests } from '../../../engine/network/container-join.js';

describe('engine/network/container-join: run options to endpoint requests', () => {
  it('asks for no network unless --network, -p or -P is given', () => {
    assert.equal(networkRequests({}), undefined);
    assert.equal(networkRequests({ network: ['none'] }), undefined);
  });

  it('puts published ports on the first network and aliases on all; -p alone means the default network', () => {
    assert.deepEqual(networkRequests({ publish: ['8080:80'] }), [{ ports: [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80 }] }]);
    assert.deepEqual(networkRequests({ network: ['a', 'b'], 'network-alias': ['web'], 'publish-all': true }), [
      { network: 'a', aliases: ['web'], publishAll: true },
      { network: 'b', aliases: ['web'] },
    ]);
  });

  it('refuses host networking and none mixed with anything', () => {
    assert.throws(() => networkRequests({ network: ['host'] }), /not supported/);
    assert.throws(() => networkRequests({ network: ['none'], publish: ['80'] }), InvalidArgumentError);
    assert.throws(() => networkRequests({ network: ['none', 'a'] }), InvalidArgumentError);
    assert.throws(() => networkRequests({ publish: ['80/sctp'] }), InvalidArgumentError);
  });
});
