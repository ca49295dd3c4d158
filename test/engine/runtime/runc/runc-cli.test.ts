import assert from 'node:assert/strict';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../../../engine/errors.js';
import { runtimeError, runtimeMessage } from '../../../../engine/runtime/runc/runc-cli.js';

describe('engine/runtime/runc/runc-cli', () => {
  it('takes the error messages out of JSON, logrus and plain stderr', () => {
    const json = '{"level":"warning","msg":"ignored","time":"t"}\n{"level":"error","msg":"runc create failed: unable to start container process: exec: \\"/x\\": stat /x: no such file or directory","time":"t"}\n';
    assert.equal(runtimeMessage(json), 'exec: "/x": stat /x: no such file or directory');
    assert.equal(runtimeMessage('time="t" level=error msg="container \\"c1\\" does not exist"\n'), 'container "c1" does not exist');
    assert.equal(runtimeMessage('{"msg":"error opening file `/r/c1/status`: No such file or directory","level":"error","time":"t"}\n'), 'error opening file `/r/c1/status`: No such file or directory');
    assert.equal(runtimeMessage('conmon: option parsing failed\n'), 'conmon: option parsing failed');
    assert.equal(runtimeMessage(''), '');
  });

  const categories: [string, new (...args: never[]) => Error][] = [
    ['container does not exist', NotFoundError],
    ['error opening file `/r/c1/status`: No such file or directory', NotFoundError],
    ['container with given ID already exists', AlreadyExistsError],
    ['exec: "/no/such": stat /no/such: no such file or directory', InvalidArgumentError],
    ['exec: "nosuch": executable file not found in $PATH', InvalidArgumentError],
    ['exec: "/etc": permission denied', InvalidArgumentError],
    ['cannot start a container that has stopped', FailedPreconditionError],
    ['cannot delete container c1 that is not stopped: running', FailedPreconditionError],
    ['container not running', FailedPreconditionError],
    ['container not paused', FailedPreconditionError],
    ['cannot exec in a stopped container', FailedPreconditionError],
  ];
  for (const [message, category] of categories) {
    it(`files '${message}' under ${category.name}`, () => {
      const err = runtimeError(message, 'raw stderr');
      assert.ok(err instanceof category, err.constructor.name);
      assert.equal(err.message, message);
      assert.equal(err.cause, 'raw stderr');
    });
  }

  it('leaves unknown failures uncategorised, with the message intact', () => {
    const err = runtimeError('unable to apply caps: operation not permitted');
    assert.equal(err.constructor, Error);
    assert.equal(err.message, 'unable to apply caps: operation not permitted');
  });
});
