import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../../../engine/errors.js';
import { resolveUser } from '../../../../engine/runtime/spec/container-user.js';
import { readFileInRoot } from '../../../../engine/runtime/spec/rootfs-file.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';

const passwd = [
  'root:x:0:0:root:/root:/bin/sh',
  '# a comment',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'app:x:1000:1000:App:/home/app:/bin/sh',
  'broken:x:notanumber:1:::',
  'nohome:x:1001:1001::',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
].join('\n');
const group = [
  'root:x:0:',
  'daemon:x:1:',
  'app:x:1000:',
  'nohome:x:1001:',
  'audio:x:29:app,daemon',
  'video:x:44: app ',
  'staff:x:50:daemon',
  'nogroup:x:65534:',
].join('\n');

describe('engine/runtime/spec/container-user', () => {
  let dir: string;
  let rootfs: string;

  beforeEach(() => {
    dir = makeTempDir('container-user');
    rootfs = path.join(dir, 'rootfs');
    fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(rootfs, 'etc/passwd'), passwd);
    fs.writeFileSync(path.join(rootfs, 'etc/group'), group);
  });
  afterEach(() => removeTempDir(dir));

  const cases: { user: string | undefined; expected: ReturnType<typeof resolveUser> }[] = [
    { user: undefined, expected: { uid: 0, gid: 0, home: '/root' } },
    { user: '', expected: { uid: 0, gid: 0, home: '/root' } },
    { user: 'root', expected: { uid: 0, gid: 0, home: '/root' } },
    { user: 'app', expected: { uid: 1000, gid: 1000, additionalGids: [29, 44], home: '/home/app' } },
    { user: '1000', expected: { uid: 1000, gid: 1000, additionalGids: [29, 44], home: '/home/app' } },
    { user: 'daemon', expected: { uid: 1, gid: 1, additionalGids: [29, 50], home: '/usr/sbin' } },
    // An explicit group replaces the primary gid and brings no supplementary groups (Docker's rule).
    { user: 'app:staff', expected: { uid: 1000, gid: 50, home: '/home/app' } },
    { user: 'app:4242', expected: { uid: 1000, gid: 4242, home: '/home/app' } },
    { user: '1000:1000', expected: { uid: 1000, gid: 1000, home: '/home/app' } },
    // A uid without a passwd entry is fine: gid 0 and HOME /.
    { user: '4242', expected: { uid: 4242, gid: 0, home: '/' } },
    { user: '4242:4343', expected: { uid: 4242, gid: 4343, home: '/' } },
    { user: 'nohome', expected: { uid: 1001, gid: 1001, home: '/' } },
  ];
  for (const { user, expected } of cases) {
    it(`resolves ${JSON.stringify(user)}`, () => {
      assert.deepEqual(resolveUser(rootfs, user), expected);
    });
  }

  const failures: { user: string; message: RegExp }[] = [
    { user: 'ghost', message: /unable to find user ghost: no matching entries in passwd file/ },
    { user: 'app:ghosts', message: /unable to find group ghosts: no matching entries in group file/ },
    { user: 'broken', message: /unable to find user broken/ },
    { user: 'app:', message: /invalid user 'app:'/ },
    { user: 'a:b:c', message: /invalid user 'a:b:c'/ },
    { user: '99999999999', message: /out of range/ },
  ];
  for (const { user, message } of failures) {
    it(`rejects ${JSON.stringify(user)} with a clear error`, () => {
      assert.throws(() => resolveUser(rootfs, user), (err: Error) => err instanceof InvalidArgumentError && message.test(err.message));
    });
  }

  it('treats a rootfs without passwd or group as having only numeric users', () => {
    fs.rmSync(path.join(rootfs, 'etc'), { recursive: true });
    assert.deepEqual(resolveUser(rootfs, undefined), { uid: 0, gid: 0, home: '/root' });
    assert.deepEqual(resolveUser(rootfs, '123:456'), { uid: 123, gid: 456, home: '/' });
    assert.throws(() => resolveUser(rootfs, 'app'), InvalidArgumentError);
  });

  describe('reads the image files without leaving the rootfs', () => {
    let outside: string;
    beforeEach(() => {
      // A host file the image must never reach: it names a user the image does not have.
      outside = path.join(dir, 'host-passwd');
      fs.writeFileSync(outside, 'hostonly:x:4000:4000::/host:/bin/sh\n');
    });

    const breakouts: { name: string; plant: (rootfs: string, outside: string) => void }[] = [
      { name: 'absolute symlink to a host file', plant: (r, o) => fs.symlinkSync(o, path.join(r, 'etc/passwd')) },
      { name: 'relative symlink climbing out', plant: (r, o) => fs.symlinkSync(path.relative(path.join(r, 'etc'), o), path.join(r, 'etc/passwd')) },
      { name: 'symlinked /etc directory', plant: (r, o) => {
        fs.rmSync(path.join(r, 'etc'), { recursive: true });
        fs.symlinkSync(path.dirname(o), path.join(r, 'etc'));
        fs.renameSync(o, path.join(path.dirname(o), 'passwd'));
      } },
      { name: 'dot-dot chain in a symlink', plant: (r, o) => fs.symlinkSync(`../../../../../../../../..${o}`, path.join(r, 'etc/passwd')) },
    ];
    for (const { name, plant } of breakouts) {
      it(`is not fooled by a ${name}`, () => {
        fs.rmSync(path.join(rootfs, 'etc/passwd'), { force: true });
        plant(rootfs, outside);
        assert.throws(() => resolveUser(rootfs, 'hostonly'), /unable to find user hostonly/);
      });
    }

    it('follows symlinks that stay inside, rooted at the rootfs', () => {
      fs.mkdirSync(path.join(rootfs, 'usr/lib'), { recursive: true });
      fs.renameSync(path.join(rootfs, 'etc/passwd'), path.join(rootfs, 'usr/lib/passwd'));
      fs.symlinkSync('/usr/lib/passwd', path.join(rootfs, 'etc/passwd'));
      assert.equal(resolveUser(rootfs, 'app').uid, 1000);
      fs.rmSync(path.join(rootfs, 'etc/passwd'));
      fs.symlinkSync('../../../usr/lib/passwd', path.join(rootfs, 'etc/passwd'));
      assert.equal(resolveUser(rootfs, 'app').uid, 1000);
    });

    it('gives up on symlink loops, FIFOs and directories instead of hanging', () => {
      fs.rmSync(path.join(rootfs, 'etc/passwd'));
      fs.symlinkSync('passwd', path.join(rootfs, 'etc/passwd'));
      assert.equal(readFileInRoot(rootfs, '/etc/passwd'), undefined);
      fs.rmSync(path.join(rootfs, 'etc/passwd'));
      fs.mkdirSync(path.join(rootfs, 'etc/passwd'));
      assert.equal(readFileInRoot(rootfs, '/etc/passwd'), undefined);
      fs.rmdirSync(path.join(rootfs, 'etc/passwd'));
      execFileSync('mkfifo', [path.join(rootfs, 'etc/passwd')]);
      assert.equal(readFileInRoot(rootfs, '/etc/passwd'), undefined);
    });

    it('refuses a file too large to be a real passwd', () => {
      fs.writeFileSync(path.join(rootfs, 'etc/passwd'), Buffer.alloc(64, 'a'));
      assert.throws(() => readFileInRoot(rootfs, '/etc/passwd', 32), InvalidArgumentError);
    });
  });
});
