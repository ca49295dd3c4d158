/**
 * The native unpacker against the TypeScript one on archives drawn at random (a fixed seed,
 * so a failure replays): names that repeat, so that entries replace files, directories and
 * symlinks of every kind; hardlinks to names that may or may not be files; whiteouts; and
 * paths that go through symlinks; PAX names, xattrs (allowed and refused), sub-second times
 * and device nodes. Both must make the same tree, or refuse the same way
 * naming the same entry.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import zlib from 'node:zlib';
import { defaultLayerLimits } from '../../../engine/config.js';
import { unpackLayer } from '../../../engine/layers/unpack.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { chunked, snapshotTree, tarOf, type FixtureEntry } from './layer-fixtures.js';

/** A small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Long ones need PAX headers (over 100 bytes, or a component the ustar prefix cannot split off).
const names = ['a', 'b', 'a/x', 'a/y', 'b/x', 'a/x/z', 'c', '.wh.a', 'a/.wh.x', 'a/.wh..wh..opq', 'b/.wh.y', `a/${'m'.repeat(150)}`, 'l'.repeat(120)];

function archive(rand: () => number): FixtureEntry[] {
  const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)]!;
  const entries: FixtureEntry[] = [];
  for (let i = 0, n = 2 + Math.floor(rand() * 9); i < n; i++) {
    const name = pick(names);
    const mtime = 1000 + i;
    const mode = pick([0o644, 0o600, 0o755, 0o4755]);
    const owner = pick([0, 0, 1000]);
    switch (pick(['file', 'file', 'file', 'file', 'directory', 'directory', 'directory', 'symlink', 'link', 'fifo', 'device'] as const)) {
      case 'file': {
        const xattrs: Record<string, Buffer> = pick<Record<string, Buffer>>([{}, {}, { 'user.k': Buffer.from(`v${i}`) }, { 'security.capability': Buffer.alloc(20, 1) }, { 'trusted.overlay.x': Buffer.from('y') }]);
        entries.push([{ name, type: 'file', mode, uid: owner, gid: owner, mtime: mtime + pick([0, 0.5, 0.123456789]), xattrs }, `body ${i}`]);
        break;
      }
      case 'device':
        entries.push([pick([{ name, type: 'character-device', devmajor: 0, devminor: 0 }, { name, type: 'block-device', devmajor: 8, devminor: 1 }])]);
        break;
      case 'directory':
        entries.push([{ name: `${name}/`, type: 'directory', mode: mode | 0o700, uid: owner, gid: owner, mtime }]);
        break;
      case 'symlink':
        entries.push([{ name, type: 'symlink', linkname: pick(['..', '/etc', 'x', 'a/x']), uid: owner, gid: owner, mtime }]);
        break;
      case 'link':
        entries.push([{ name, type: 'link', linkname: pick(names) }]);
        break;
      case 'fifo':
        entries.push([{ name, type: 'fifo', mode: 0o600, mtime }]);
        break;
    }
  }
  return entries;
}

/** The outcome of an unpack: the tree, or the refusal's category and message. */
async function outcome(bytes: Buffer, target: string, options: { workerFrom?: number }): Promise<string[]> {
  try {
    await unpackLayer(chunked(bytes, 999), target, defaultLayerLimits, options);
    // Directories no entry names keep the time they were made at, which differs by run; and
    // times compare to the microsecond, Node's futimes resolution (the native side keeps a
    // PAX time's nanoseconds, as GNU tar does).
    return snapshotTree(target).map((line) => (/ dir .*mtime=\d{16,}/.test(line) ? line.replace(/mtime=\d+/, 'mtime=*') : line.replace(/mtime=(\d+)/, (_, ns: string) => `mtime=${BigInt(ns) / 1000n}us`)));
  } catch (err) {
    const { name, message, code } = err as NodeJS.ErrnoException;
    // A system error's text is the runtime's (Node's fs or the C library): compare its code and entry.
    if (code !== undefined) return [`${code} at ${/^layer entry '[^']*'/.exec(message)?.[0] ?? message}`];
    return [`${name}: ${message}`];
  }
}

describe('engine/layers: the native unpacker against the TypeScript one', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('native-differential');
  });
  after(() => removeTempDir(dir));

  it('makes the same tree or the same refusal for 300 random archives', async () => {
    const rand = random(20261123);
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const tar = await tarOf(archive(rand));
      const ts = await outcome(tar, path.join(dir, `ts-${i}`), {});
      const native = await outcome(zlib.gzipSync(tar), path.join(dir, `native-${i}`), { workerFrom: 0 });
      assert.deepEqual(native, ts, `archive ${i}`);
      if (ts.length === 1) refused++;
    }
    // Both kinds of outcome were exercised.
    assert.ok(refused > 20 && refused < 280, `${refused} of 300 refused`);
  });
});
