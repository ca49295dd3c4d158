import assert from 'node:assert/strict';
import type { AvailableResource } from '../../../drivers/compute-driver.js';
import { ResourceTracker } from '../../../drivers/placement/resource-tracker.js';

const report = (vcpusUsed: number, memoryMbUsed: number, runningInstances: number): AvailableResource => ({
  hypervisorHostname: 'h1', hypervisorType: 'docker', vcpus: 2, vcpusUsed, memoryMb: 1024, memoryMbUsed, localGb: 10, localGbUsed: 0, runningInstances,
});

describe('drivers/placement/resource-tracker', () => {
  it('asks a host once per refresh period and counts the claims made since on top', async () => {
    const tracker = new ResourceTracker(60_000);
    let asked = 0;
    const ask = async () => { asked++; return report(1, 128, 1); };
    assert.equal((await tracker.current('h1', ask)).vcpusUsed, 1);
    tracker.claim('h1', { vcpus: 2, memoryMb: 256, diskGb: 1 }, 1);
    const after = await tracker.current('h1', ask);
    assert.deepEqual([after.vcpusUsed, after.memoryMbUsed, after.runningInstances], [3, 384, 2], 'the claim is seen by the next placement');
    tracker.claim('h1', { vcpus: 2, memoryMb: 256, diskGb: 1 }, -1);
    assert.equal((await tracker.current('h1', ask)).vcpusUsed, 1, 'a release gives the room back');
    assert.equal(asked, 1, 'the host was asked once');
  });

  it('asks again once the report is stale or forgotten, dropping the claims the report now counts', async () => {
    const tracker = new ResourceTracker(0);
    const reports = [report(0, 0, 0), report(1, 128, 1)];
    const ask = async () => reports.shift()!;
    await tracker.current('h1', ask);
    tracker.claim('h1', { vcpus: 1, memoryMb: 128, diskGb: 0 }, 1);
    assert.equal((await tracker.current('h1', ask)).vcpusUsed, 1, 'the fresh report has the instance; the claim is not counted twice');
    const forgetting = new ResourceTracker(60_000);
    let asked = 0;
    const count = async () => { asked++; return report(0, 0, 0); };
    await forgetting.current('h1', count);
    forgetting.forget('h1');
    await forgetting.current('h1', count);
    assert.equal(asked, 2);
  });

  it('does not remember a host whose question failed', async () => {
    const tracker = new ResourceTracker(60_000);
    await assert.rejects(tracker.current('h1', async () => { throw new Error('no answer'); }), /no answer/);
    assert.equal((await tracker.current('h1', async () => report(2, 0, 2))).vcpusUsed, 2);
  });
});
