import assert from 'node:assert/strict';
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
