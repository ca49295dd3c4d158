import assert from 'node:assert/strict';
import { parseHardLimits, raiseHardLimitOptions } from '../../../../engine/runtime/runc/rlimits.js';

const limits = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max processes             95823                95823                processes
Max open files            1024                 20000                files
Max locked memory         8388608              8388608              bytes
`;

describe('engine/runtime/runc/rlimits', () => {
  it('reads hard limits from /proc/<pid>/limits', () => {
    const hard = parseHardLimits(limits);
    assert.equal(hard.get('Max open files'), 20000);
    assert.equal(hard.get('Max cpu time'), Infinity);
    assert.equal(hard.get('Max processes'), 95823);
  });

  it('raises only the limits the spec asks beyond ours', () => {
    const hard = parseHardLimits(limits);
    assert.deepEqual(raiseHardLimitOptions([{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }], hard), ['--nofile=1048576:1048576']);
    assert.deepEqual(raiseHardLimitOptions([{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }, { type: 'RLIMIT_CPU', soft: 10, hard: 10 }], hard), []);
    assert.deepEqual(raiseHardLimitOptions([{ type: 'RLIMIT_NPROC', soft: 100000, hard: 100000 }, { type: 'RLIMIT_MADE_UP', soft: 1, hard: 1 }], hard), ['--nproc=100000:100000']);
  });
});
