import assert from 'node:assert/strict';
import { applyConfigChanges } from '../../../engine/images/config-changes.js';
import { InvalidArgumentError } from '../../../engine/errors.js';

describe('engine/images/config-changes', () => {
  it('applies every supported instruction as docker import --change does', () => {
    const config = applyConfigChanges({ Env: ['PATH=/bin', 'A=old'] }, [
      'CMD ["sleep", "60"]',
      'ENTRYPOINT /bin/run --fast',
      'ENV A=new B="two words"',
      'ENV LEGACY value with spaces',
      'WORKDIR /srv',
      'WORKDIR app',
      'USER 1000:1000',
      'EXPOSE 80 53/udp',
      'LABEL org.example.team=infra "quoted key"=v',
      'VOLUME ["/data", "/logs"]',
      'STOPSIGNAL SIGQUIT',
    ]);
    assert.deepEqual(config.Cmd, ['sleep', '60']);
    assert.deepEqual(config.Entrypoint, ['/bin/sh', '-c', '/bin/run --fast']);
    assert.deepEqual(config.Env, ['PATH=/bin', 'A=new', 'B=two words', 'LEGACY=value with spaces']);
    assert.equal(config.WorkingDir, '/srv/app');
    assert.equal(config.User, '1000:1000');
    assert.deepEqual(config.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
    assert.deepEqual(config.Labels, { 'org.example.team': 'infra', 'quoted key': 'v' });
    assert.deepEqual(config.Volumes, { '/data': {}, '/logs': {} });
    assert.equal(config.StopSignal, 'SIGQUIT');
  });

  it('leaves the base config untouched', () => {
    const base = { Env: ['A=1'] };
    applyConfigChanges(base, ['ENV A=2']);
    assert.deepEqual(base, { Env: ['A=1'] });
  });

  const bad = ['RUN apt-get update', 'EXPOSE 99999', 'EXPOSE http', 'VOLUME relative', 'ENV', 'LABEL novalue', 'CMD', 'ENV A="unterminated'];
  for (const change of bad) {
    it(`refuses '${change}' with a clear message`, () => {
      assert.throws(() => applyConfigChanges({}, [change]), InvalidArgumentError);
    });
  }
});
