import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { InvalidArgumentError, NotImplementedError } from '../../../engine/errors.js';
import { decompressedStream } from '../../../engine/layers/compression.js';
import { chunked, collect } from './layer-fixtures.js';

const data = Buffer.concat([crypto.randomBytes(300_000), Buffer.alloc(300_000, 'a')]);

function hasProgram(program: string, versionFlag: string): boolean {
  try {
    execFileSync(program, [versionFlag], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hasZstd = (): boolean => hasProgram('zstd', '--version');

describe('engine/layers/compression', () => {
  it('passes uncompressed input through unchanged, even inputs shorter than a magic number', async () => {
    for (const [input, size] of [[data, 1000], [Buffer.from('ab'), 1], [Buffer.alloc(0), 1]] as const) {
      const { compression, stream } = await decompressedStream(chunked(input, size));
      assert.equal(compression, 'none');
      assert.deepEqual(await collect(stream), input);
    }
  });

  // igzip (ISA-L) when installed, node:zlib otherwise: both must decode alike.
  for (const decoder of ['igzip', 'node:zlib'] as const) {
    describe(`gzip through ${decoder}`, () => {
      before(function () {
        if (decoder === 'node:zlib') process.env.IM_NO_IGZIP = '1';
        // Reason: igzip comes from Debian's isal package, a speed-up the engine does without.
        else if (!hasProgram('igzip', '-V')) this.skip();
      });
      after(() => {
        delete process.env.IM_NO_IGZIP;
      });

      it('decompresses gzip, concatenated members included, whatever the chunk sizes', async () => {
        // Byte-sized chunks on a small input test the sniffing; a big one tests streaming.
        for (const [input, size] of [[data.subarray(0, 3000), 1], [data, 4096]] as const) {
          const gz = Buffer.concat([zlib.gzipSync(input.subarray(0, 1000)), zlib.gzipSync(input.subarray(1000))]);
          const { compression, stream } = await decompressedStream(chunked(gz, size));
          assert.equal(compression, 'gzip');
          assert.deepEqual(await collect(stream), input);
        }
      });

      it('reports corrupt gzip as InvalidArgumentError, and passes source errors through', async () => {
        const gz = zlib.gzipSync(data);
        gz[gz.length - 8]! ^= 0xff;
        await assert.rejects(collect((await decompressedStream(chunked(gz))).stream), InvalidArgumentError);
        const failing = async function* (): AsyncGenerator<Buffer> {
          yield zlib.gzipSync(data).subarray(0, 100);
          throw new RangeError('source broke');
        };
        await assert.rejects(collect((await decompressedStream(failing())).stream), RangeError);
      });
    });
  }

  it('decompresses zstd with the zstd program, and reports corrupt zstd', async function () {
    if (!hasZstd()) this.skip();
    const zst = execFileSync('zstd', ['-c', '-q'], { input: data });
    const { compression, stream } = await decompressedStream(chunked(zst, 1000));
    assert.equal(compression, 'zstd');
    assert.deepEqual(await collect(stream), data);
    const corrupt = Buffer.from(zst);
    corrupt.fill(0x42, 20, 200);
    await assert.rejects(collect((await decompressedStream(chunked(corrupt))).stream), (err: Error) => err instanceof InvalidArgumentError && /zstd/.test(err.message));
  });

  it('says zstd needs the zstd program when it is not on PATH', async () => {
    const zst = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(decompressedStream(chunked(zst)), (err: Error) => err instanceof NotImplementedError && /zstd program/.test(err.message));
    } finally {
      process.env.PATH = saved;
    }
  });
});
