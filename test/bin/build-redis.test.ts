import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { defaultDataDir } from '../../engine/config.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { mountsUnder } from '../helpers/test-engine.js';

/** The Debian minbase image with redis-server that `npm run bench` makes with debootstrap (which needs a mirror). */
const minbase = path.join(defaultDataDir, 'bench-cache', 'minbase.tar');

describe('bin/intermodal build (a real service image)', function () {
  this.timeout(300_000);
  let dataDir: string;

  before(function () {
    // debootstrap needs the Debian mirror, which tests may not reach; the bench caches the result.
    if (!fs.existsSync(minbase)) this.skip();
    dataDir = makeTempDir('cli-build-redis');
  });
  after(async () => {
    if (!dataDir) return;
    await runCli(dataDir, ['rm', '-f', ...(await runCli(dataDir, ['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean)]);
    const leftover = mountsUnder(dataDir);
    removeTempDir(dataDir);
    assert.deepEqual(leftover, []);
  });

  it('builds a redis image from a debootstrap minbase with RUN steps that need no network, and it answers PING', async () => {
    assert.equal((await runCli(dataDir, ['load', '-i', minbase])).code, 0);
    const ctx = path.join(dataDir, 'context');
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, 'redis.conf'), 'port 6379\nbind 127.0.0.1\nprotected-mode no\ndir /data\nappendonly no\n');
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), [
      'FROM bench/minbase:latest',
      'RUN set -eux; mkdir -p /data; chown redis:redis /data; redis-server --version > /etc/redis-version',
      'COPY --chown=redis:redis redis.conf /etc/redis/built.conf',
      'USER redis',
      'WORKDIR /data',
      'EXPOSE 6379',
      'CMD ["redis-server", "/etc/redis/built.conf"]',
    ].join('\n'));
    const built = await runCli(dataDir, ['build', '-t', 'built/redis:1', ctx]);
    assert.equal(built.code, 0, built.stderr + built.stdout);
    assert.match(built.stdout, /Successfully tagged built\/redis:1\n$/);
    const ran = await runCli(dataDir, ['run', '--rm', 'built/redis:1', 'sh', '-c',
      'redis-server /etc/redis/built.conf --daemonize yes && for i in 1 2 3 4 5 6 7 8 9 10; do redis-cli ping 2>/dev/null && break; sleep 0.2; done; id -un; pwd; redis-cli shutdown nosave || true']);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /^PONG\nredis\n\/data\n/);
    const rebuilt = await runCli(dataDir, ['build', '-t', 'built/redis:1', ctx]);
    assert.equal(rebuilt.stdout.match(/Using cache/g)?.length, 6);
  });
});
