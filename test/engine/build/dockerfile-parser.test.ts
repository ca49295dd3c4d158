import assert from 'node:assert/strict';
import { parseDockerfile } from '../../../engine/build/dockerfile-parser.js';
import { planStages } from '../../../engine/build/build-stages.js';
import { InvalidArgumentError } from '../../../engine/errors.js';

describe('engine/build/dockerfile-parser', () => {
  it('joins continuations, drops comments, keeps flags apart and numbers lines', () => {
    const parsed = parseDockerfile([
      '# a comment',
      'FROM bb:1 AS builder',
      '',
      'RUN echo one \\',
      '  # a comment inside a continuation',
      '  && echo two',
      'COPY --from=builder --chown=1:2 /a /b',
      'run lower-case keywords work',
    ].join('\n'));
    assert.deepEqual(parsed.instructions.map((i) => [i.line, i.keyword, i.args]), [
      [2, 'FROM', 'bb:1 AS builder'],
      [4, 'RUN', 'echo one   && echo two'],
      [7, 'COPY', '/a /b'],
      [8, 'RUN', 'lower-case keywords work'],
    ]);
    assert.deepEqual(parsed.instructions[2]!.flags, { from: 'builder', chown: '1:2' });
    assert.deepEqual(parsed.notes, []);
  });

  it('honours # escape= and notes an ignored # syntax=', () => {
    const parsed = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM bb\nRUN dir c:\\ `\n  && echo done\n');
    assert.equal(parsed.escape, '`');
    assert.equal(parsed.instructions[1]!.args, 'dir c:\\   && echo done');
    assert.match(parsed.notes[0]!, /# syntax=docker\/dockerfile:1' is ignored/);
  });

  it('a directive after the first instruction is only a comment', () => {
    const parsed = parseDockerfile('FROM bb\n# escape=`\nRUN a \\\n b\n');
    assert.equal(parsed.escape, '\\');
    assert.equal(parsed.instructions[1]!.args, 'a  b');
  });

  const refused: [string, RegExp][] = [
    ['FROM bb\nFROBNICATE x\n', /^Dockerfile line 2: unknown instruction: FROBNICATE$/],
    ['RUN echo\n', /^Dockerfile line 1: the first instruction must be FROM/],
    ['# only a comment\n', /has no instructions/],
    ['FROM bb\nCOPY --bogus=1 a b\n', /^Dockerfile line 2: COPY does not take the flag --bogus/],
    ['FROM bb\n\nCMD\n', /^Dockerfile line 3: CMD needs arguments/],
    ['# escape=x\nFROM bb\n', /^Dockerfile line 1: invalid escape character 'x'/],
  ];
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text)} naming the line`, () => {
      assert.throws(() => parseDockerfile(text), (err: Error) => err instanceof InvalidArgumentError && message.test(err.message));
    });
  }

  it('splits stages, names them and cuts at --target', () => {
    const parsed = parseDockerfile('ARG V=1\nFROM bb AS Build\nRUN x\nFROM scratch AS final\nCOPY --from=build /a /a\nFROM bb\n');
    const plan = planStages(parsed, 'final');
    assert.deepEqual(plan.stages.map((s) => [s.name, s.base, s.instructions.length]), [['build', 'bb', 1], ['final', 'scratch', 1]]);
    assert.equal(plan.metaArgs.length, 1);
    assert.equal(plan.stepCount, 4);
    assert.throws(() => planStages(parsed, 'nope'), /target stage 'nope' could not be found/);
    assert.throws(() => planStages(parseDockerfile('FROM bb AS a\nFROM bb AS a\n')), /line 2: stage name 'a' is used twice/);
    assert.throws(() => planStages(parseDockerfile('FROM bb AS\n')), /line 1: FROM needs an image/);
  });
});
