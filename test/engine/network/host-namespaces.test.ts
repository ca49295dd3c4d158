/**
 * Named network namespaces as the network service makes them (`ensureNamespace`: ip for the
 * first, the addon's in-process unshare and bind mount after that): each is a namespace of
 * its own with only loopback, `ip netns` knows it, making it again keeps it, and
 * `deleteNamespace` leaves neither the mount nor the file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { deleteNamespace, ensureNamespace } from '../../../engine/network/host-links.js';

describe('engine/network: named network namespaces', () => {
  const names = [0, 1, 2].map((i) => `imtest-nsmake-${process.pid}-${i}`);
  after(async () => {
    for (const name of names) await deleteNamespace(name);
  });
  const inode = (path: string) => fs.statSync(path).ino;

  it('makes separate namespaces with only loopback, which ip lists, keeps one made twice, and deletes without a trace', async () => {
    const paths = [];
    for (const name of names) paths.push(await ensureNamespace(name));
    assert.deepEqual(paths, names.map((n) => `/run/netns/${n}`));
    const inodes = new Set(paths.map(inode));
    inodes.add(inode('/proc/self/ns/net'));
    assert.equal(inodes.size, names.length + 1, 'each is a namespace of its own, none the host\'s');
    const listed = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const name of names) {
      assert.ok(listed.includes(name), `ip netns lists ${name}`);
      const links = execFileSync('ip', ['-n', name, '-o', 'link', 'show'], { encoding: 'utf8' }).trim().split('\n');
      assert.deepEqual(links.map((l) => l.split(':')[1]!.trim()), ['lo']);
    }
    const before = inode(paths[1]!);
    assert.equal(await ensureNamespace(names[1]!), paths[1]);
    assert.equal(inode(paths[1]!), before, 'making it again keeps the same namespace');
    for (const name of names) await deleteNamespace(name);
    for (const path of paths) assert.equal(fs.existsSync(path), false);
    assert.equal(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes('imtest-nsmake'), false, 'no mount is left');
  });
});
