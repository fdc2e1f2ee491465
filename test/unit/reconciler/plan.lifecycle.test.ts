// Deletes, terminal statuses, backoff timings and the forgiveness window.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STATUSES, TERMINAL_STATUSES } from '../../../src/domain/status.js';
import { HEALTHY_WINDOW_MS, backoffMs, healthyWindowMs, isReconciled, plan } from '../../../src/reconciler/plan.js';
import { NOW, events, exited, input, job, running, summary, worker } from './builders.js';

describe('plan: deleted deployments', () => {
  const cases = [
    { name: 'a deleted worker removes every instance intentionally, then purges',
      input: input(worker({ status: 'deleted', replicas: 2 }), [running('i1'), exited('i2', 1)]),
      expect: ['remove i1 (intentional)', 'remove i2 (intentional)', 'purge'] },
    { name: 'a deleted deployment with nothing left is purged',
      input: input(worker({ status: 'deleted' })), expect: ['purge'] },
    { name: 'a deleted job removes the container it kept',
      input: input(job({ status: 'deleted' }), [exited('j1', 0)]), expect: ['remove j1 (intentional)', 'purge'] },
    { name: 'a delete is never blocked by backoff',
      input: input(worker({ status: 'deleted', restart_count: 4 }), [running('i1')], { memory: { nextAttemptAt: NOW + 60_000, healthySince: null } }),
      expect: ['remove i1 (intentional)', 'purge'] },
    { name: 'a delete never counts the exits it causes',
      input: input(worker({ status: 'deleted' }), [exited('i1', 137)]), expect: ['remove i1 (intentional)', 'purge'] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(summary(plan(c.input)), c.expect));
});

describe('plan: terminal statuses are left alone', () => {
  for (const status of TERMINAL_STATUSES) {
    test(`a ${status} worker with a leftover running container does nothing`, () => {
      assert.deepEqual(summary(plan(input(worker({ status, restart_count: 5 }), [running('i1'), exited('i2', 1)]))), []);
    });
    test(`a ${status} job does nothing`, () => {
      assert.deepEqual(summary(plan(input(job({ status }), [exited('j1', 3)]))), []);
    });
  }

  test('the loop reads exactly the statuses of RING §5.1', () => {
    assert.deepEqual(STATUSES.filter(isReconciled), [
      'pending', 'creating', 'running', 'deleted', 'image_pull_back_off',
      'create_container_error', 'network_error', 'config_error', 'file_system_error', 'error',
    ]);
    for (const s of TERMINAL_STATUSES) assert.equal(isReconciled(s), false, s);
  });
});

describe('plan: backoff', () => {
  test('backoff by count: first failure immediate, then 1, 2, 4, 8, 16, 32 s, capped at 60 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 20].map(backoffMs), [0, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  test('a crash loop of an instantly-exiting worker creates 5 containers and reaches crash_loop_back_off within 8 s of backoff', () => {
    // Simulate: each created instance exits 1 right away; passes run whenever plan asks to come back.
    let d = worker({ status: 'creating' });
    let memory = { nextAttemptAt: 0, healthySince: null as number | null };
    let now = NOW;
    let creates = 0;
    let instances = [] as ReturnType<typeof exited>[];
    for (let pass = 0; pass < 50 && d.status !== 'crash_loop_back_off'; pass++) {
      const r = plan(input(d, instances, { now, memory }));
      memory = r.memory;
      instances = [];
      for (const a of r.actions) {
        if (a.type === 'createInstance') { creates++; instances.push(exited(`c${creates}`, 1)); }
        if (a.type === 'bumpRestartCount') d = { ...d, restart_count: a.from + a.by };
        if (a.type === 'setStatus') d = { ...d, status: a.status };
      }
      now += Math.max(r.requeueAfterMs ?? 0, 100);
    }
    assert.equal(d.status, 'crash_loop_back_off');
    assert.equal(d.restart_count, 5);
    assert.equal(creates, 5);
    assert.ok(now - NOW < 8_000 + 50 * 100, `took ${now - NOW} ms`);
  });
});

describe('plan: forgiveness (windowed restart count)', () => {
  test('a running worker with a restart count starts its healthy window and asks to come back at its end', () => {
    const r = plan(input(worker({ restart_count: 1 }), [running('i1')]));
    assert.deepEqual(summary(r), []);
    assert.equal(r.memory.healthySince, NOW);
    assert.equal(r.requeueAfterMs, HEALTHY_WINDOW_MS);
  });

  test('the count stays while the window is open (3 s after a crash it is still 1)', () => {
    const r = plan(input(worker({ restart_count: 1 }), [running('i1')], { memory: { nextAttemptAt: 0, healthySince: NOW - 3000 } }));
    assert.deepEqual(summary(r), []);
    assert.equal(r.requeueAfterMs, HEALTHY_WINDOW_MS - 3000);
  });

  test('after 10 s healthy the count is reset with restart_count_reset', () => {
    const r = plan(input(worker({ restart_count: 3 }), [running('i1')], { memory: { nextAttemptAt: 0, healthySince: NOW - HEALTHY_WINDOW_MS } }));
    assert.deepEqual(summary(r), ['count 3→0']);
    assert.match(events(r)[0]!, /^restart_count_reset: Restart count reset to 0 after 10s without a failure \(was 3\)/);
  });

  test('a missing replica closes the window', () => {
    const r = plan(input(worker({ restart_count: 2, replicas: 2 }), [running('i1')], { memory: { nextAttemptAt: NOW + 500, healthySince: NOW - 60_000 } }));
    assert.equal(r.memory.healthySince, null);
    assert.ok(!summary(r).includes('count 2→0'));
  });

  test('a crash closes the window even if it had been open long enough', () => {
    const r = plan(input(worker({ restart_count: 1 }), [exited('i1', 1)], { memory: { nextAttemptAt: 0, healthySince: NOW - 60_000 } }));
    assert.deepEqual(summary(r), ['count 1→2', 'remove i1']);
    assert.equal(r.memory.healthySince, null);
  });

  test('a readiness min_healthy_time longer than 10 s widens the window', () => {
    const d = worker({ health_checks: [{ type: 'http', url: 'http://localhost/', interval: '1s', timeout: '1s', readiness: true, min_healthy_time: '30s' }] });
    assert.equal(healthyWindowMs(d), 30_000);
    assert.equal(healthyWindowMs(worker()), HEALTHY_WINDOW_MS);
  });

  test('jobs are never forgiven', () => {
    const r = plan(input(job({ status: 'running', restart_count: 2 }), [running('j1')], { memory: { nextAttemptAt: 0, healthySince: NOW - 60_000 } }));
    assert.deepEqual(summary(r), []);
  });
});
