// plan() for rolling updates (RING §5.8) and the readiness deadline (RING §5.7).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HealthCheckSpec } from '../../../src/domain/deployment.js';
import { endedChildNeedsPlan, plan } from '../../../src/reconciler/plan.js';
import { NOW, created, events, exited, input, running, summary, withState, worker } from './builders.js';

const READY_CHECK: HealthCheckSpec = { type: 'http', url: 'http://localhost/health', interval: '1s', timeout: '1s', readiness: true };
const DEADLINE = 60_000;
const createdAgo = (ms: number): string => new Date(NOW - ms).toISOString();

describe('plan: rolling update parent', () => {
  test('a parent whose child is not ready yet is frozen: it neither drains nor regrows', () => {
    const r = plan(input(worker({ replicas: 3 }), [running('i1')], { rollout: { role: 'parent', childId: 'c1', childReady: false } }));
    assert.deepEqual(summary(r), []);
  });

  test('a frozen parent does not replace a crashed instance (RING §14: it never regrows)', () => {
    const r = plan(input(worker({ replicas: 2 }), [running('i1'), exited('i2', 1)], { rollout: { role: 'parent', childId: 'c1', childReady: false } }));
    assert.deepEqual(summary(r), ['count 0→1', 'remove i2']);
  });

  test('once the child is ready the parent drains its oldest instance, one per pass, and comes right back', () => {
    const r = plan(input(worker({ replicas: 2 }), [running('young', { startedAgo: 10_000 }), running('old', { startedAgo: 90_000 })],
      { rollout: { role: 'parent', childId: 'c1', childReady: true } }));
    assert.deepEqual(summary(r), ['drain old for c1']);
    const a = r.actions[0]!;
    assert.ok(a.type === 'drainInstance' && a.remaining === 1);
    assert.equal(r.requeueAfterMs, 0);
  });

  test('an instance already being drained is not waited for: the next one drains', () => {
    const r = plan(input(worker({ replicas: 2 }), [running('old', { startedAgo: 90_000 }), running('young', { startedAgo: 10_000 })],
      { settled: new Set(['old']), rollout: { role: 'parent', childId: 'c1', childReady: true } }));
    assert.deepEqual(summary(r), ['drain young for c1']);
  });

  test('a parent whose last instances are still stopping waits for them before handing over', () => {
    const r = plan(input(worker({ replicas: 2 }), [running('old')],
      { settled: new Set(['old']), rollout: { role: 'parent', childId: 'c1', childReady: true } }));
    assert.deepEqual(summary(r), []);
    assert.equal(r.requeueAfterMs, 200);
  });

  test('an empty parent with a ready child completes the rollout', () => {
    const r = plan(input(worker({ replicas: 2 }), [], { rollout: { role: 'parent', childId: 'c1', childReady: true } }));
    assert.deepEqual(summary(r), [`complete rollout d1→c1`]);
    assert.equal(r.requeueAfterMs, 0);
  });

  test('an empty parent whose child is not ready waits (the child may still fail and the parent regrow)', () => {
    const r = plan(input(worker({ replicas: 2 }), [], { rollout: { role: 'parent', childId: 'c1', childReady: false } }));
    assert.deepEqual(summary(r), []);
  });

  test('without a child the same parent regrows to its replicas (a failed rollout rolls back)', () => {
    const r = plan(input(worker({ replicas: 2 }), [running('i1')]));
    assert.deepEqual(summary(r), ['create']);
  });
});

describe('plan: rolling update child', () => {
  test('a child whose gate opens becomes running and asks for an immediate pass (its parent drains)', () => {
    const r = plan(input(worker({ id: 'c1', status: 'creating', parent_id: 'p1', health_checks: [READY_CHECK] }), [running('i1')],
      { ready: true, rollout: { role: 'child', parentId: 'p1', parentActive: true } }));
    assert.deepEqual(summary(r), ['status creating→running']);
    assert.equal(r.requeueAfterMs, 0);
  });

  test('a child whose parent is no longer reconciled takes over at once', () => {
    const r = plan(input(worker({ id: 'c1', status: 'running', parent_id: 'p1' }), [running('i1')],
      { rollout: { role: 'child', parentId: 'p1', parentActive: false } }));
    assert.deepEqual(summary(r), ['complete rollout p1→c1']);
  });

  test('a child never ready past the deadline fails its rollout; the parent keeps serving', () => {
    const d = worker({ id: 'c1', status: 'creating', parent_id: 'p1', health_checks: [READY_CHECK], created_at: createdAgo(DEADLINE + 1) });
    const r = plan(input(d, [running('i1')], { ready: false, rolloutDeadlineMs: DEADLINE, rollout: { role: 'child', parentId: 'p1', parentActive: true } }));
    assert.deepEqual(summary(r), ['status creating→failed']);
    assert.match(events(r)[0]!, /^rolling_update_failed: Rolling update failed: .*60s rollout deadline; deployment p1 keeps serving$/);
    assert.equal(r.requeueAfterMs, 0, 'the next pass stops its instances at once');
  });

  test('a child that runs out of restarts comes straight back so its surviving instances stop', () => {
    const d = worker({ id: 'c1', status: 'running', parent_id: 'p1', replicas: 2, restart_count: 4 });
    const r = plan(input(d, [running('i1'), exited('i2', 1)], { rollout: { role: 'child', parentId: 'p1', parentActive: true } }));
    assert.deepEqual(summary(r), ['count 4→5', 'remove i2', 'status running→crash_loop_back_off']);
    assert.equal(r.requeueAfterMs, 0);
  });
});

describe('plan: a rolling child whose rollout failed', () => {
  const failedChild = (over = {}) => worker({ id: 'c1', status: 'failed', parent_id: 'p1', replicas: 2, health_checks: [READY_CHECK], ...over });

  // status, instances → expected actions
  const cases: [string, ReturnType<typeof worker>, Parameters<typeof input>[1], string[]][] = [
    ['failed child: every instance still serving is stopped', failedChild(), [running('i1'), running('i2')], ['stop i1', 'stop i2']],
    ['crash_loop_back_off child: its survivor is stopped', failedChild({ status: 'crash_loop_back_off' }), [running('i1'), exited('i2', 1)], ['stop i1']],
    ['insufficient_resources child: its survivor is stopped', failedChild({ status: 'insufficient_resources' }), [running('i1')], ['stop i1']],
    ['a restarting or paused instance serves too', failedChild(), [withState(running('i1'), 'restarting'), withState(running('i2'), 'paused')], ['stop i1', 'stop i2']],
    ['already stopped: nothing (kept for its logs, never removed here)', failedChild(), [exited('i1', 137), exited('i2', 0)], []],
    ['a never-started leftover serves nothing: left for the purge', failedChild(), [created('i1')], []],
    ['a completed child is done, not failed', failedChild({ status: 'completed' }), [running('i1')], []],
    ['a failed deployment that is no rolling child is left alone', failedChild({ parent_id: null }), [running('i1')], []],
    ['a failed job is left alone (its container is its result)', failedChild({ kind: 'job' }), [running('i1')], []],
  ];
  for (const [name, d, instances, expected] of cases) {
    test(name, () => {
      const r = plan(input(d, instances));
      assert.deepEqual(summary(r), expected);
      assert.equal(endedChildNeedsPlan(d), d.parent_id !== null && d.kind === 'worker' && d.status !== 'completed');
    });
  }

  test('each stop says why, names the parent that keeps serving, and never touches the parent', () => {
    const r = plan(input(failedChild(), [running('aaaaaaaaaaaa1234')]));
    assert.deepEqual(events(r), [
      'rollout_instance_stopped: Stopped instance aaaaaaaaaaaa: the rolling update failed (deployment is failed); deployment p1 keeps serving',
    ]);
    assert.ok(r.actions.every((a) => a.type === 'stopInstance' && a.instanceId === 'aaaaaaaaaaaa1234'));
  });

  test('a running deployment needs no ended-child pass', () => {
    assert.equal(endedChildNeedsPlan(worker({ status: 'running', parent_id: 'p1' })), false);
  });
});

describe('plan: readiness deadline', () => {
  test('a worker held by its gate fails with readiness_deadline_exceeded past the deadline', () => {
    const d = worker({ status: 'creating', health_checks: [READY_CHECK], created_at: createdAgo(DEADLINE) });
    const r = plan(input(d, [running('i1')], { ready: false, rolloutDeadlineMs: DEADLINE }));
    assert.deepEqual(summary(r), ['status creating→failed']);
    assert.deepEqual(events(r), [
      'readiness_deadline_exceeded: Readiness checks were not green within the 60s rollout deadline; deployment failed',
      'state_transition: Status changed from creating to failed',
    ]);
  });

  test('before the deadline it waits, and comes back exactly at it', () => {
    const d = worker({ status: 'creating', health_checks: [READY_CHECK], created_at: createdAgo(DEADLINE - 5000) });
    const r = plan(input(d, [running('i1')], { ready: false, rolloutDeadlineMs: DEADLINE }));
    assert.deepEqual(summary(r), []);
    assert.equal(r.requeueAfterMs, 5000);
  });

  test('start_period extends the deadline', () => {
    const d = worker({ status: 'creating', health_checks: [{ ...READY_CHECK, start_period: '30s' }], created_at: createdAgo(DEADLINE + 1000) });
    const r = plan(input(d, [running('i1')], { ready: false, rolloutDeadlineMs: DEADLINE }));
    assert.deepEqual(summary(r), []);
    assert.equal(r.requeueAfterMs, 29_000);
  });

  test('a worker without readiness checks has no deadline', () => {
    const d = worker({ status: 'creating', health_checks: [{ ...READY_CHECK, readiness: false }], created_at: createdAgo(DEADLINE * 10) });
    const r = plan(input(d, [running('i1')], { ready: false, rolloutDeadlineMs: DEADLINE }));
    assert.deepEqual(summary(r), []);
  });

  test('a running worker whose checks turn red is never failed by the deadline', () => {
    const d = worker({ status: 'running', health_checks: [READY_CHECK], created_at: createdAgo(DEADLINE * 10) });
    const r = plan(input(d, [running('i1')], { ready: false, rolloutDeadlineMs: DEADLINE }));
    assert.deepEqual(summary(r), []);
  });
});
