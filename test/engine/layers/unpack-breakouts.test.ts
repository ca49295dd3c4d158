/**
 * The hostile-archive catalogue for unpackLayer, one case per known way out of the target
 * (after containerd's TestBreakouts). Every case checks the same four things: the error's
 * category, that its message names the bad entry, that a "victim" directory beside the
 * target is unchanged to the nanosecond, and that the target is gone.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { defaultLayerLimits, type LayerLimits } from '../../../engine/config.js';
import { InvalidArgumentError, QuotaExceededError } from '../../../engine/errors.js';
import { unpackLayer } from '../../../engine/layers/unpack.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { chunked, snapshotTree, tarOf, type FixtureEntry } from './layer-fixtures.js';

interface Breakout {
  title: string;
  /** The archive, given the victim directory's absolute path. */
  entries: (victim: string) => FixtureEntry[];
  /** The entry the error must name. */
  bad: (victim: string) => string;
  error?: typeof InvalidArgumentError | typeof QuotaExceededError;
  /** More text the message must contain (the reason, an xattr name). */
  says?: RegExp;
  limits?: Partial<LayerLimits>;
  gzip?: boolean;
}

const file = (name: string, body: Buffer | string = 'pwned', extra: object = {}): FixtureEntry => [{ name, type: 'file', mode: 0o777, ...extra }, body];
const symlink = (name: string, linkname: string): FixtureEntry => [{ name, type: 'symlink', linkname }];
const hardlink = (name: string, linkname: string): FixtureEntry => [{ name, type: 'link', linkname }];
const directory = (name: string): FixtureEntry => [{ name, type: 'directory' }];
const fixed = (name: string) => (): string => name;

// Writes name new files ('planted') where they can: with a guard missing, such a write would
// succeed and show in the victim's listing, rather than fail on an existing name.
const breakouts: Breakout[] = [
  { title: 'an absolute path', entries: (v) => [file(`${v}/secret`)], bad: (v) => `${v}/secret`, says: /escapes the layer/ },
  { title: 'a ../ entry', entries: () => [file('../victim/secret')], bad: fixed('../victim/secret'), says: /escapes the layer/ },
  { title: 'a ../ in the middle of a name', entries: () => [file('a/../../victim/secret')], bad: fixed('a/../../victim/secret'), says: /escapes the layer/ },
  { title: 'a write through a symlink to an absolute path', entries: (v) => [symlink('link', v), file('link/planted')], bad: fixed('link/planted'), says: /symlink 'link'/ },
  { title: "a write through a relative symlink to '../..'", entries: () => [directory('a/'), symlink('a/up', '../..'), file('a/up/victim/planted')], bad: fixed('a/up/victim/planted'), says: /symlink 'a\/up'/ },
  { title: 'a write through chained symlinks', entries: () => [symlink('a', 'b'), symlink('b', '../victim'), file('a/planted')], bad: fixed('a/planted'), says: /symlink 'a'/ },
  {
    title: 'a directory replaced by a symlink, then written through',
    entries: () => [directory('d/'), file('d/x', 'fine'), symlink('d', '../victim'), file('d/planted')],
    bad: fixed('d/planted'), says: /symlink 'd'/,
  },
  { title: 'a write under a regular file', entries: () => [file('f', 'fine'), file('f/secret')], bad: fixed('f/secret'), says: /not a directory/ },
  { title: 'a hardlink to an outside path', entries: (v) => [hardlink('h', `${v}/secret`)], bad: fixed('h'), says: /escapes the layer/ },
  { title: 'a hardlink through a symlinked directory', entries: () => [symlink('s', '../victim'), hardlink('h', 's/secret')], bad: fixed('h'), says: /not a regular file/ },
  {
    title: 'a symlink, a hardlink to it, then a file entry that would chmod it',
    entries: () => [symlink('s', '../victim/secret'), hardlink('h', 's'), file('h', 'x', { mode: 0o4777 })],
    bad: fixed('h'), says: /not a regular file/,
  },
  { title: 'a hardlink to a directory', entries: () => [directory('d/'), hardlink('h', 'd')], bad: fixed('h'), says: /not a regular file/ },
  { title: "a hardlink whose target has '..'", entries: () => [file('f', 'fine'), hardlink('h', 'f/../../victim/secret')], bad: fixed('h'), says: /escapes the layer/ },
  { title: "the whiteout '.wh.' alone", entries: () => [file('.wh.', '')], bad: fixed('.wh.'), says: /whiteout/ },
  { title: "the whiteout '.wh..' (of '.')", entries: () => [file('a/.wh..', '')], bad: fixed('a/.wh..'), says: /whiteout/ },
  { title: "the whiteout '.wh...' (of '..')", entries: () => [file('a/.wh...', '')], bad: fixed('a/.wh...'), says: /whiteout/ },
  { title: "an unknown '.wh..wh.' marker", entries: () => [file('a/.wh..wh.plnk', '')], bad: fixed('a/.wh..wh.plnk'), says: /whiteout marker/ },
  { title: 'a whiteout through a symlink', entries: () => [symlink('s', '../victim'), file('s/.wh.planted', '')], bad: fixed('s/.wh.planted'), says: /symlink 's'/ },
  { title: 'an opaque marker through a symlink', entries: () => [symlink('s', '../victim'), file('s/.wh..wh..opq', '')], bad: fixed('s/.wh..wh..opq'), says: /symlink 's'/ },
  { title: 'a root entry that is a symlink', entries: () => [symlink('./', '../victim')], bad: fixed('./'), says: /layer root/ },
  { title: 'a block device', entries: () => [[{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }]], bad: fixed('sda'), says: /block-device 8:0/ },
  { title: 'a character device other than 0/0', entries: () => [[{ name: 'mem', type: 'character-device', devmajor: 1, devminor: 1 }]], bad: fixed('mem'), says: /character-device 1:1/ },
  { title: 'a trusted.* xattr', entries: () => [file('f', 'x', { xattrs: { 'trusted.overlay.redirect': Buffer.from('/victim') } })], bad: fixed('f'), says: /trusted\.overlay\.redirect/ },
  { title: 'a security.selinux xattr', entries: () => [file('f', 'x', { xattrs: { 'security.selinux': Buffer.from('system_u:object_r:shadow_t:s0') } })], bad: fixed('f'), says: /security\.selinux/ },
  {
    title: 'a gzip bomb past maxLayerBytes',
    entries: () => [file('zeros', Buffer.alloc(10 * 1024 * 1024))],
    bad: fixed('zeros'), error: QuotaExceededError, says: /1048576 bytes/, limits: { maxLayerBytes: 1024 * 1024 }, gzip: true,
  },
  {
    title: 'more entries than maxLayerEntries',
    entries: () => Array.from({ length: 20 }, (_, i) => file(`f${String(i).padStart(2, '0')}`, 'x')),
    bad: fixed('f10'), error: QuotaExceededError, says: /more than 10 entries/, limits: { maxLayerEntries: 10 },
  },
];

describe('engine/layers/unpack: hostile archives', () => {
  let base: string;
  let victim: string;
  let target: string;
  beforeEach(() => {
    base = makeTempDir('unpack-breakout');
    victim = path.join(base, 'victim');
    target = path.join(base, 'layer');
    fs.mkdirSync(path.join(victim, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(victim, 'secret'), 'original secret\n', { mode: 0o600 });
    fs.writeFileSync(path.join(victim, 'sub', 'file'), 'original file\n', { mode: 0o644 });
  });
  afterEach(() => removeTempDir(base));

  // Each case also gzipped, and then unpacked on the worker thread (igzip's output read
  // there, as for any layer over a MiB), which must refuse exactly the same way.
  for (const c of breakouts) for (const gzip of c.gzip ? [true] : [false, true]) {
    it(`refuses ${c.title}${gzip && !c.gzip ? ' (gzipped: on the unpack worker)' : ''}`, async () => {
      // Everything beside the target, base's own entry aside (making the target changes its mtime).
      const before = snapshotTree(base).slice(1);
      const tar = await tarOf(c.entries(victim));
      const bytes = gzip ? zlib.gzipSync(tar) : tar;
      const limits = { ...defaultLayerLimits, ...c.limits };
      const expected = c.error ?? InvalidArgumentError;
      await assert.rejects(unpackLayer(chunked(bytes), target, limits, { workerFrom: 0 }), (err: Error) => {
        assert.ok(err instanceof expected, `expected ${expected.name}, got ${err.name}: ${err.message}`);
        assert.ok(err.message.includes(`'${c.bad(victim)}'`), `message does not name the entry: ${err.message}`);
        if (c.says) assert.match(err.message, c.says);
        return true;
      });
      assert.deepEqual(snapshotTree(base).slice(1), before);
      assert.equal(fs.existsSync(target), false);
    });
  }
});
