import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HealthCheckSpec } from '../../../src/domain/deployment.js';
import { DEFAULT_MIN_HEALTHY_MS, gateOpen, gateWindowMs, readinessDeadline, readinessIndices, type CheckState } from '../../../src/reconciler/readiness.js';

const check = (over: Partial<HealthCheckSpec> = {}): HealthCheckSpec => ({ type: 'tcp', port: 80, interval: '1s', timeout: '1s', ...over });
const w = (health_checks: HealthCheckSpec[]) => ({ kind: 'worker' as const, health_checks });

describe('readiness gate arithmetic', () => {
  test('only readiness checks gate, and jobs have none', () => {
    assert.deepEqual(readinessIndices(w([check(), check({ readiness: true }), check({ readiness: true })])), [1, 2]);
    assert.deepEqual(readinessIndices({ kind: 'job', health_checks: [check({ readiness: true })] }), []);
  });

  test('the window is the largest min_healthy_time, each check defaulting to 10 s', () => {
    assert.equal(gateWindowMs(w([check({ readiness: true, min_healthy_time: '2s' })])), 2000);
    assert.equal(gateWindowMs(w([check({ readiness: true, min_healthy_time: '1m30s' }), check({ readiness: true, min_healthy_time: '2s' })])), 90_000);
    assert.equal(gateWindowMs(w([check({ readiness: true, min_healthy_time: '2s' }), check({ readiness: true })])), DEFAULT_MIN_HEALTHY_MS);
    // min_healthy_time on a liveness check is ignored
    assert.equal(gateWindowMs(w([check({ min_healthy_time: '1h' }), check({ readiness: true, min_healthy_time: '500ms' })])), 500);
  });

  test('an invalid min_healthy_time falls back to the default and is reported', () => {
    const bad: string[] = [];
    assert.equal(gateWindowMs(w([check({ readiness: true, min_healthy_time: 'soon' })]), (v) => bad.push(v)), DEFAULT_MIN_HEALTHY_MS);
    assert.deepEqual(bad, ['soon']);
  });

  test('the deadline counts from creation plus the largest start_period', () => {
    const created_at = '2024-01-01T00:00:00.000Z';
    const t0 = Date.parse(created_at);
    assert.equal(readinessDeadline({ created_at, health_checks: [check()] }, 600_000), t0 + 600_000);
    assert.equal(readinessDeadline({ created_at, health_checks: [check({ start_period: '5s' }), check({ start_period: '1m' })] }, 1000), t0 + 61_000);
  });

  test('the gate opens only when every instance × readiness check has been green for the window', () => {
    const states = new Map<string, CheckState>([
      ['a#0', { last: 'success', readySince: 0 }], ['a#1', { last: 'success', readySince: 500 }],
      ['b#0', { last: 'success', readySince: 100 }], ['b#1', { last: 'success', readySince: 900 }],
    ]);
    const of = (id: string, i: number) => states.get(`${id}#${i}`);
    assert.equal(gateOpen(['a', 'b'], [0, 1], 1000, 1899, of), false, 'b#1 green for 999 ms only');
    assert.equal(gateOpen(['a', 'b'], [0, 1], 1000, 1900, of), true);
    states.set('b#1', { last: 'timeout', readySince: null });
    assert.equal(gateOpen(['a', 'b'], [0, 1], 1000, 5000, of), false, 'a timeout shuts it');
    assert.equal(gateOpen(['a', 'c'], [0], 1000, 5000, of), false, 'an instance never probed shuts it');
    assert.equal(gateOpen([], [0], 1000, 5000, of), false, 'no instance, no readiness');
    assert.equal(gateOpen([], [], 1000, 5000, of), true, 'no readiness check: always open');
  });
});
