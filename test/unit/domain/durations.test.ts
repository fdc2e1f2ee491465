import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../../src/domain/durations.js';

const valid: [string, number][] = [
  ['500ms', 500],
  ['0ms', 0],
  ['0s', 0],
  ['1s', 1000],
  ['30s', 30_000],
  ['1.5s', 1500],
  ['2m', 120_000],
  ['1h', 3_600_000],
  ['1m30s', 90_000],
  ['1h2m3s', 3_723_000],
  ['1h30m', 5_400_000],
  ['2s500ms', 2500],
  ['1m500ms', 60_500],
  [' 5s ', 5000],
];

for (const [input, ms] of valid) {
  test(`parseDuration reads ${JSON.stringify(input)} as ${ms} ms`, () => {
    assert.equal(parseDuration(input), ms);
  });
}

const invalid = ['', ' ', '10', '0', 'abc', '10x', '1d', '-1s', '+1s', 's', 'ms', '1 s', '1m 30s',
  '30s1m', '1s1s', '1ms1s', '5S', '1.s', '.5s', '1e3ms', '1m30'];

for (const input of invalid) {
  test(`parseDuration rejects ${JSON.stringify(input)}`, () => {
    assert.equal(parseDuration(input), null);
  });
}

test('parseDuration rejects non-string input', () => {
  assert.equal(parseDuration(5 as unknown as string), null);
});

test('formatDuration round-trips through parseDuration', () => {
  for (const ms of [0, 1, 500, 1000, 90_000, 3_723_000, 3_600_500]) {
    assert.equal(parseDuration(formatDuration(ms)), ms);
  }
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(500), '500ms');
});
