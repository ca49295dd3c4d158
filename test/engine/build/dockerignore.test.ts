import assert from 'node:assert/strict';
import { IgnoreRules } from '../../../engine/build/dockerignore.js';

describe('engine/build/dockerignore', () => {
  const rules = new IgnoreRules(['# comment', 'node_modules', '*.log', '!keep.log', 'secret/**', '**/*.tmp', 'docs', '!docs/README.md', '/build/'].join('\n'));
  const cases: [string, boolean][] = [
    ['node_modules', true],
    ['node_modules/x/index.js', true],
    ['app.log', true],
    ['keep.log', false],
    ['sub/app.log', false],
    ['secret/key', true],
    ['secret/deep/key', true],
    ['a/b/c.tmp', true],
    ['c.tmp', true],
    ['docs/guide.md', true],
    ['docs/README.md', false],
    ['build/out', true],
    ['src/main.ts', false],
  ];
  for (const [file, ignored] of cases) {
    it(`${file} is ${ignored ? '' : 'not '}ignored`, () => assert.equal(rules.ignored(file), ignored));
  }
});
