import assert from 'node:assert/strict';
import { IgnoreRules } from '../../../engine/build/dockerignore.js';
import { envLookup, expandVariables, splitWords } from '../../../engine/build/variable-expansion.js';

describe('engine/build/variable-expansion', () => {
  const lookup = envLookup(['A=apple', 'EMPTY=', 'P=/srv']);
  const cases: [string, string][] = [
    ['$A', 'apple'],
    ['${A}pie', 'applepie'],
    ['${MISSING:-default}', 'default'],
    ['${EMPTY:-default}', 'default'],
    ['${A:-default}', 'apple'],
    ['${A:+set}', 'set'],
    ['${MISSING:+set}', ''],
    ['${MISSING:-$P/x}', '/srv/x'],
    ["'$A' \"$A\"", "'$A' \"apple\""],
    ['\\$A', '\\$A'],
    ['cost: 5$', 'cost: 5$'],
    ['$MISSING.', '.'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => assert.equal(expandVariables(input, lookup), expected));
  }

  it('records the names it looked up and refuses unsupported forms', () => {
    const used = new Set<string>();
    expandVariables('$A ${B:-x}', lookup, '\\', used);
    assert.deepEqual([...used], ['A', 'B']);
    assert.throws(() => expandVariables('${A%%x}', lookup), /bad substitution/);
    assert.throws(() => expandVariables('${A', lookup), /missing '}'/);
  });

  it('splits words removing quotes and escapes', () => {
    assert.deepEqual(splitWords(`a "b c" 'd e' f\\ g`), ['a', 'b c', 'd e', 'f g']);
  });
});

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
