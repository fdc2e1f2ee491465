import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCpu, parseMemory } from '../../../src/domain/quantities.js';

const cpuCases: [string, number | null][] = [
  ['0.5', 500_000_000],
  ['1', 1_000_000_000],
  ['2.25', 2_250_000_000],
  ['.5', 500_000_000],
  ['250m', 250_000_000],
  ['1500m', 1_500_000_000],
  ['0', 0],
  ['0.3', 300_000_000],
  [' 1 ', 1_000_000_000],
  ['', null],
  ['m', null],
  ['-1', null],
  ['-250m', null],
  ['abc', null],
  ['1e3', null],
  ['1 m', null],
  ['1M', null],
  ['Infinity', null],
  ['NaN', null],
  ['0x10', null],
];

for (const [input, expected] of cpuCases) {
  test(`parseCpu reads ${JSON.stringify(input)} as ${expected}`, () => {
    assert.equal(parseCpu(input), expected);
  });
}

const memoryCases: [string, number | null][] = [
  ['128Mi', 134_217_728],
  ['1024', 1024],
  ['1Ki', 1024],
  ['1Gi', 1_073_741_824],
  ['1Ti', 1024 ** 4],
  ['1.5Gi', 1_610_612_736],
  ['1K', 1000],
  ['512M', 512_000_000],
  ['2G', 2_000_000_000],
  ['1T', 1e12],
  ['0.5Ki', 512],
  ['0', 0],
  ['', null],
  ['Mi', null],
  ['-128Mi', null],
  ['128mi', null],
  ['512m', null],
  ['1KB', null],
  ['1Pi', null],
  ['lots', null],
  ['1e6', null],
];

for (const [input, expected] of memoryCases) {
  test(`parseMemory reads ${JSON.stringify(input)} as ${expected}`, () => {
    assert.equal(parseMemory(input), expected);
  });
}

test('parseCpu and parseMemory return null for non-string input', () => {
  assert.equal(parseCpu(1 as unknown as string), null);
  assert.equal(parseMemory(undefined as unknown as string), null);
});
