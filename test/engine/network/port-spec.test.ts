import assert from 'node:assert/strict';
import net from 'node:net';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { claimHostPort, parsePublish, publishAll } from '../../../engine/network/port-spec.js';

describe('engine/network/port-spec', () => {
  it('parses -p forms as Docker does', () => {
    assert.deepEqual(parsePublish('8080:80'), [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80 }]);
    assert.deepEqual(parsePublish('127.0.0.1:5353:53/udp'), [{ protocol: 'udp', hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53 }]);
    assert.deepEqual(parsePublish('80'), [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 0, containerPort: 80 }]);
    assert.deepEqual(parsePublish('127.0.0.1::80'), [{ protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0, containerPort: 80 }]);
    assert.deepEqual(parsePublish('9000-9001:80-81').map((p) => [p.hostPort, p.containerPort]), [[9000, 80], [9001, 81]]);
    assert.deepEqual(publishAll({ '80/tcp': {}, '53/udp': {}, '8443': {} }).map((p) => `${p.containerPort}/${p.protocol}`).sort(), ['53/udp', '80/tcp', '8443/tcp']);
  });

  const bad = ['', 'x:80', '80/sctp', '70000:80', '0:80', '1.2.3:80:80', '9000-9002:80-81', '81-80', 'a:b:c:d', '80/tcp/udp'];
  for (const spec of bad) {
    it(`refuses '${spec}'`, () => assert.throws(() => parsePublish(spec), InvalidArgumentError));
  }

  it('picks a free host port for 0 and refuses one a host socket listens on', async () => {
    const picked = await claimHostPort({ protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0, containerPort: 80 });
    assert.ok(picked.hostPort > 0);
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const busy = (server.address() as net.AddressInfo).port;
    try {
      await assert.rejects(claimHostPort({ protocol: 'tcp', hostIp: '127.0.0.1', hostPort: busy, containerPort: 80 }), /already in use/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
