import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sys } from '../../engine/sys/index.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

describe('engine/sys native calls', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir('sys'); });
  afterEach(() => removeTempDir(dir));

  it('creates a 0/0 character device, the overlay whiteout', () => {
    const p = path.join(dir, 'gone');
    sys.mknod(p, fs.constants.S_IFCHR | 0o000, 0, 0);
    const st = fs.lstatSync(p);
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, 0);
  });

  it('sets, reads and lists xattrs without following symlinks', () => {
    sys.lsetxattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
    assert.equal(sys.lgetxattr(dir, 'trusted.overlay.opaque')?.toString(), 'y');
    assert.ok(sys.llistxattr(dir).includes('trusted.overlay.opaque'));
    assert.equal(sys.lgetxattr(dir, 'user.absent'), null);
  });

  it('reports errno names like Node fs does', () => {
    assert.throws(() => sys.mknod(path.join(dir, 'no', 'such'), fs.constants.S_IFIFO | 0o600, 0, 0), { code: 'ENOENT' });
    assert.throws(() => sys.umount(dir, 0), { code: 'EINVAL' });
  });
});
