import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../../engine/errors.js';
import { conmonArgs, type ConmonLaunch } from '../../../../engine/runtime/runc/conmon.js';

describe('engine/runtime/runc/conmon', () => {
  const launch: ConmonLaunch = {
    conmon: '/usr/bin/conmon',
    prlimit: '/usr/bin/prlimit',
    rlimits: [],
    runtime: { path: '/usr/sbin/runc', root: '/data/runtime/runc' },
    id: 'c1',
    bundle: '/data/containers/c1',
    socketDir: '/data/runtime/runc-sockets',
    options: { logPath: '/data/containers/c1/ctr.log', exitDir: '/data/exits', exitCommand: ['/usr/bin/node', '/app/cli.js', 'container-exited', 'c1'] },
  };
  const value = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];

  it('runs the runtime with our state root and JSON logs, logging to a k8s-file', () => {
    const args = conmonArgs(launch);
    assert.equal(value(args, '--api-version'), '1');
    assert.equal(value(args, '--runtime'), '/usr/sbin/runc');
    assert.deepEqual(args.filter((a) => a.startsWith('--runtime-arg=')), ['--runtime-arg=--root', '--runtime-arg=/data/runtime/runc', '--runtime-arg=--log-format', '--runtime-arg=json']);
    assert.equal(value(args, '--log-path'), 'k8s-file:/data/containers/c1/ctr.log');
    assert.equal(value(args, '--exit-dir'), '/data/exits');
    assert.equal(value(args, '--bundle'), '/data/containers/c1');
    assert.equal(value(args, '--persist-dir'), '/data/containers/c1');
    assert.equal(value(args, '--conmon-pidfile'), '/data/containers/c1/conmon.pid');
    assert.equal(value(args, '--socket-dir-path'), '/data/runtime/runc-sockets');
    assert.deepEqual(args.filter((a) => a.startsWith('--exit-command')), ['--exit-command=/usr/bin/node', '--exit-command-arg=/app/cli.js', '--exit-command-arg=container-exited', '--exit-command-arg=c1']);
    assert.ok(!args.includes('--terminal') && !args.includes('--stdin'), 'no terminal, no stdin');
  });

  it('puts the monitor files in the persist dir when one is given', () => {
    const args = conmonArgs({ ...launch, options: { ...launch.options, persistDir: '/data/monitor/c1', logSizeMax: 1048576 } });
    assert.equal(value(args, '--persist-dir'), '/data/monitor/c1');
    assert.equal(value(args, '--container-pidfile'), '/data/monitor/c1/init.pid');
    assert.equal(value(args, '--log-size-max'), '1048576');
  });

  it('refuses an exit command that conmon could not exec', () => {
    assert.throws(() => conmonArgs({ ...launch, options: { ...launch.options, exitCommand: ['intermodal', 'container-exited'] } }), InvalidArgumentError);
  });
});
