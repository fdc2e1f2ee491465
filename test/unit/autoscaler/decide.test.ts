import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideScale, type AutoscaleInput } from '../../../src/autoscaler/decide.js';
import { autoscaleCandidates } from '../../../src/autoscaler/autoscaler.js';
import type { Deployment } from '../../../src/domain/deployment.js';

const NOW = 10_000_000;
const base: AutoscaleInput = { autoscale: { min: 1, max: 4, target_cpu: 50 }, current: 2, cpuPercent: 50, statsAgeMs: 1000, lastScaledAt: undefined, now: NOW };

describe('decideScale', () => {
  const table: [string, Partial<AutoscaleInput>, string][] = [
    ['within the dead band: keep', { cpuPercent: 59 }, 'keep'],
    ['exactly target+10: keep', { cpuPercent: 60 }, 'keep'],
    ['above the band: +1', { cpuPercent: 61 }, 'up 3'],
    ['far above: still only +1', { cpuPercent: 400 }, 'up 3'],
    ['below the band: -1', { cpuPercent: 39 }, 'down 1'],
    ['exactly target-10: keep', { cpuPercent: 40 }, 'keep'],
    ['at max: keep', { cpuPercent: 99, current: 4 }, 'keep'],
    ['at min: keep', { cpuPercent: 0, current: 1 }, 'keep'],
    ['below min: clamped at once, stats or not', { current: 0, cpuPercent: undefined }, 'up 1'],
    ['above max: clamped at once, in cooldown too', { current: 7, lastScaledAt: NOW - 1 }, 'down 4'],
    ['no stats: keep', { cpuPercent: undefined }, 'keep'],
    ['NaN stats: keep', { cpuPercent: Number.NaN }, 'keep'],
    ['stale stats (>120 s): keep', { cpuPercent: 99, statsAgeMs: 120_001 }, 'keep'],
    ['stats 120 s old: used', { cpuPercent: 99, statsAgeMs: 120_000 }, 'up 3'],
    ['up cooldown (59 s since last scale): keep', { cpuPercent: 99, lastScaledAt: NOW - 59_999 }, 'keep'],
    ['up after 60 s: +1', { cpuPercent: 99, lastScaledAt: NOW - 60_000 }, 'up 3'],
    ['down cooldown (299 s since last scale): keep', { cpuPercent: 1, lastScaledAt: NOW - 299_999 }, 'keep'],
    ['down after 300 s: -1', { cpuPercent: 1, lastScaledAt: NOW - 300_000 }, 'down 1'],
  ];
  for (const [name, over, want] of table) {
    it(name, () => {
      const d = decideScale({ ...base, ...over });
      assert.equal(d.kind === 'keep' ? 'keep' : `${d.direction} ${d.to}`, want, JSON.stringify(d));
      if (d.kind === 'scale') assert.match(d.message, /^Autoscaler: desired replicas \d+ → \d+ \(/);
    });
  }
});

describe('autoscaleCandidates', () => {
  const dep = (id: string, over: Partial<Deployment> = {}) => ({
    id, status: 'running', parent_id: null, autoscale: { min: 1, max: 3, target_cpu: 50 }, ...over,
  }) as unknown as Deployment;
  it('running, autoscaled, not a child, not being drained by a live child', () => {
    const all = [
      dep('a'), dep('b', { autoscale: undefined }), dep('c', { status: 'creating' }),
      dep('d'), dep('d-child', { parent_id: 'd', status: 'creating' }),
      dep('e'), dep('e-old-child', { parent_id: 'e', status: 'deleted' }),
    ];
    assert.deepEqual(autoscaleCandidates(all).map((d) => d.id), ['a', 'e']);
  });
});
