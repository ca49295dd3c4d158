import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { defaultLayerLimits } from '../../../engine/config.js';
import { NotImplementedError } from '../../../engine/errors.js';
import { exportLayer } from '../../../engine/layers/export.js';
import { readTar, type TarHeader } from '../../../engine/layers/tar-reader.js';
import { unpackLayer } from '../../../engine/layers/unpack.js';
import { MountFlags, sys } from '../../../engine/sys/index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { chunked, collect, snapshotTree, type SnapshotOptions } from './layer-fixtures.js';

/** security.capability v2 granting cap_net_raw, effective. */
const netRaw = Buffer.from([0x01, 0, 0, 0x02, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** What survives a layer round trip: seconds, and the xattrs a layer carries (opaque as a marker). */
const comparable: SnapshotOptions = {
  seconds: true,
  xattrs: (name) => name.startsWith('user.') || name === 'security.capability' || name === 'trusted.overlay.opaque',
};

async function headersOf(bytes: Buffer): Promise<TarHeader[]> {
  const headers: TarHeader[] = [];
  for await (const entry of readTar(chunked(bytes))) headers.push(entry.header);
  return headers;
}

/** Every entry's parent directory comes before it. */
function assertParentsFirst(headers: TarHeader[]): void {
  const seen = new Set<string>();
  for (const { name } of headers) {
    const parent = path.posix.dirname(name.replace(/\/$/, ''));
    if (parent !== '.') assert.ok(seen.has(`${parent}/`), `'${name}' comes before its parent`);
    seen.add(name);
  }
}

describe('engine/layers/export', () => {
  let dir: string;
  let merged: string | undefined;
  beforeEach(() => { dir = makeTempDir('export'); });
  afterEach(() => {
    if (merged !== undefined) sys.umount(merged, MountFlags.MNT_DETACH);
    merged = undefined;
    removeTempDir(dir);
  });

  it('exports a real overlayfs upper with OCI whiteouts, and unpacking it gives the upper back', async () => {
    const [lower, upper, work] = ['lower', 'upper', 'work'].map((name) => path.join(dir, name)) as [string, string, string];
    for (const d of [lower, upper, work]) fs.mkdirSync(d);
    fs.mkdirSync(path.join(lower, 'etc'));
    fs.writeFileSync(path.join(lower, 'etc/motd'), 'welcome');
    fs.mkdirSync(path.join(lower, 'var/cache'), { recursive: true });
    fs.writeFileSync(path.join(lower, 'var/cache/old'), 'stale');
    fs.writeFileSync(path.join(lower, 'tool'), 'tool');
    merged = path.join(dir, 'merged');
    fs.mkdirSync(merged);
    sys.mount('overlay', merged, 'overlay', 0, `lowerdir=${lower},upperdir=${upper},workdir=${work}`);
    const m = (p: string): string => path.join(merged!, p);
    fs.rmSync(m('etc/motd')); // a whiteout
    fs.rmSync(m('var/cache'), { recursive: true });
    fs.mkdirSync(m('var/cache')); // an opaque directory
    fs.writeFileSync(m('var/cache/new'), 'fresh');
    fs.mkdirSync(m('bin'));
    fs.writeFileSync(m('bin/a'), 'shared inode');
    fs.linkSync(m('bin/a'), m('bin/b'));
    fs.symlinkSync('a', m('bin/sh'));
    fs.chownSync(m('tool'), 1000, 1000); // copied up
    fs.chmodSync(m('tool'), 0o4750);
    sys.lsetxattr(m('tool'), 'user.note', Buffer.from('kept'));
    execFileSync('mkfifo', [m('bin/pipe')]);
    sys.umount(merged, 0);
    merged = undefined;

    const bytes = await collect(exportLayer(upper));
    const headers = await headersOf(bytes);
    const byName = new Map(headers.map((h) => [h.name, h]));
    assert.deepEqual([byName.get('etc/.wh.motd')?.type, byName.get('etc/.wh.motd')?.size], ['file', 0]);
    assert.equal(byName.get('var/cache/.wh..wh..opq')?.type, 'file');
    assert.deepEqual([byName.get('bin/b')?.type, byName.get('bin/b')?.linkname], ['link', 'bin/a']);
    assert.deepEqual([byName.get('tool')?.mode, byName.get('tool')?.uid, byName.get('tool')?.xattrs], [0o4750, 1000, { 'user.note': Buffer.from('kept') }]);
    assert.ok(headers.every((h) => !h.name.startsWith('/') && Object.keys(h.xattrs).every((x) => !x.startsWith('trusted.'))));
    assert.ok(headers.filter((h) => h.type === 'directory').every((h) => h.name.endsWith('/')));
    assertParentsFirst(headers);
    assert.deepEqual(execFileSync('tar', ['-tf', '-'], { input: bytes }).toString().trim().split('\n'), headers.map((h) => h.name));

    const unpacked = path.join(dir, 'unpacked');
    await unpackLayer(chunked(bytes), unpacked, defaultLayerLimits);
    // The root is not an entry of a layer, so its own line is left out.
    assert.deepEqual(snapshotTree(unpacked, comparable).slice(1), snapshotTree(upper, comparable).slice(1));
  });

  it('keeps capabilities, user xattrs and devices, drops other overlay xattrs, and is deterministic', async () => {
    const upper = path.join(dir, 'upper');
    fs.mkdirSync(path.join(upper, 'usr/bin'), { recursive: true });
    fs.mkdirSync(path.join(upper, 'opaque'));
    fs.mkdirSync(path.join(upper, 'moved'));
    fs.mkdirSync(path.join(upper, 'dev'));
    fs.writeFileSync(path.join(upper, 'usr/bin/ping'), 'ping');
    sys.lsetxattr(path.join(upper, 'usr/bin/ping'), 'security.capability', netRaw);
    sys.lsetxattr(path.join(upper, 'opaque'), 'trusted.overlay.opaque', Buffer.from('y'));
    sys.lsetxattr(path.join(upper, 'moved'), 'trusted.overlay.origin', Buffer.from([0, 1, 2]));
    sys.mknod(path.join(upper, 'gone'), fs.constants.S_IFCHR, 0, 0);
    sys.mknod(path.join(upper, 'dev/null'), fs.constants.S_IFCHR | 0o666, 1, 3);
    fs.chmodSync(path.join(upper, 'dev/null'), 0o666);
    for (const p of ['usr/bin', 'usr', 'opaque', 'moved', 'dev']) fs.utimesSync(path.join(upper, p), 1_700_000_000, 1_700_000_000);

    const bytes = await collect(exportLayer(upper));
    assert.deepEqual(bytes, await collect(exportLayer(upper)));
    const headers = await headersOf(bytes);
    assert.deepEqual(headers.map((h) => h.name), ['.wh.gone', 'dev/', 'dev/null', 'moved/', 'opaque/', 'opaque/.wh..wh..opq', 'usr/', 'usr/bin/', 'usr/bin/ping']);
    const byName = new Map(headers.map((h) => [h.name, h]));
    assert.deepEqual(byName.get('moved/')?.xattrs, {});
    assert.deepEqual(byName.get('usr/bin/ping')?.xattrs, { 'security.capability': netRaw });
    assert.deepEqual([byName.get('dev/null')?.type, byName.get('dev/null')?.devmajor, byName.get('dev/null')?.devminor], ['character-device', 1, 3]);

    const unpacked = path.join(dir, 'unpacked');
    await unpackLayer(chunked(bytes), unpacked, { ...defaultLayerLimits, allowDevices: true });
    assert.deepEqual(snapshotTree(unpacked, comparable).slice(1), snapshotTree(upper, comparable).slice(1));
  });

  it('refuses an upper that relies on redirect_dir or metacopy', async () => {
    const upper = path.join(dir, 'upper');
    fs.mkdirSync(path.join(upper, 'renamed'), { recursive: true });
    sys.lsetxattr(path.join(upper, 'renamed'), 'trusted.overlay.redirect', Buffer.from('/original'));
    await assert.rejects(collect(exportLayer(upper)), (err: Error) => err instanceof NotImplementedError && /renamed.*redirect/.test(err.message));
  });
});
