import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FRESH_MEMORY, plan, type PlanInput } from '../../../src/reconciler/plan.js';
import { NOW, created, eventOf, events, exited, input, running, summary, withState, worker } from './builders.js';

interface Case { name: string; input: PlanInput; expect: string[]; requeue?: number | 'none' }

const cases: Case[] = [
  // --- bring-up and status -------------------------------------------------------------------
  { name: 'a new worker creates every replica at once',
    input: input(worker({ status: 'creating', replicas: 3 })),
    expect: ['create', 'create', 'create'], requeue: 750 },
  { name: 'a legacy pending worker moves to creating before it creates',
    input: input(worker({ status: 'pending', replicas: 1 })),
    expect: ['status pending→creating', 'create'] },
  { name: 'a creating worker with every replica confirmed up becomes running',
    input: input(worker({ status: 'creating', replicas: 2 }), [running('i1'), running('i2')]),
    expect: ['status creating→running'] },
  { name: 'a creating worker whose instance started 100 ms ago waits for the liveness confirmation',
    input: input(worker({ status: 'creating' }), [running('i1', { startedAgo: 100 })]),
    expect: [], requeue: 650 },
  { name: 'a creating worker with fewer replicas than desired creates the rest and stays creating',
    input: input(worker({ status: 'creating', replicas: 3 }), [running('i1')]),
    expect: ['create', 'create'] },
  { name: 'a closed readiness gate holds a fully-up worker in creating',
    input: input(worker({ status: 'creating' }), [running('i1')], { ready: false }),
    expect: [] },
  { name: 'a closed readiness gate never drags a running worker back',
    input: input(worker({ status: 'running' }), [running('i1')], { ready: false }),
    expect: [] },
  { name: 'a running worker at its replica count does nothing',
    input: input(worker({ replicas: 2 }), [running('i1'), running('i2')]),
    expect: [], requeue: 'none' },
  { name: 'a worker with zero replicas is running with nothing to do',
    input: input(worker({ status: 'creating', replicas: 0 })),
    expect: ['status creating→running'] },
  { name: 'a retried failure status with every replica up goes back to running',
    input: input(worker({ status: 'image_pull_back_off', restart_count: 2 }), [running('i1')]),
    expect: ['status image_pull_back_off→running'] },
  { name: 'a retried failure status re-attempts creation once the backoff allows',
    input: input(worker({ status: 'create_container_error', restart_count: 2 }), [], { memory: { nextAttemptAt: NOW - 1, healthySince: null } }),
    expect: ['create'] },
  { name: 'a retried failure status waits while backing off',
    input: input(worker({ status: 'network_error', restart_count: 3 }), [], { memory: { nextAttemptAt: NOW + 1500, healthySince: null } }),
    expect: [], requeue: 1500 },
  { name: 'a re-apply that reset restart_count to 0 is not held by a stale backoff',
    input: input(worker({ status: 'creating', restart_count: 0 }), [], { memory: { nextAttemptAt: NOW + 30_000, healthySince: null } }),
    expect: ['create'] },
  { name: 'a paused instance counts as alive',
    input: input(worker({ replicas: 1 }), [withState(running('i1'), 'paused')]),
    expect: [] },
  { name: 'an instance being removed by the daemon is neither alive nor counted',
    input: input(worker({ replicas: 1 }), [withState(running('i1'), 'removing')]),
    expect: ['create'] },

  // --- scale ------------------------------------------------------------------------------------
  { name: 'scale up from 1 to 3 creates two instances in one pass',
    input: input(worker({ replicas: 3 }), [running('i1')]),
    expect: ['create', 'create'] },
  { name: 'scale down from 3 to 1 removes the two newest, intentionally',
    input: input(worker({ replicas: 1 }), [running('old', { createdAgo: 300_000 }), running('mid', { createdAgo: 200_000 }), running('new', { createdAgo: 100_000 })]),
    expect: ['remove new (intentional)', 'remove mid (intentional)'] },
  { name: 'scale down removes a restarting instance before a running one',
    input: input(worker({ replicas: 1 }), [withState(running('r', { createdAgo: 300_000 }), 'restarting'), running('ok', { createdAgo: 10_000 })]),
    expect: ['remove r (intentional)'] },
  { name: 'a never-started instance (half-done apply) is removed and replaced',
    input: input(worker({ replicas: 1 }), [created('c1')]),
    expect: ['remove c1 (intentional)', 'create'] },
  // A pass can fall between Docker's create and start (someone else's `docker create` + `start`,
  // a VMM still opening its socket): a container created moments ago is not "never started" yet.
  { name: 'an instance created 2 s ago holds its replica: no removal, no second create, a pass when the grace ends',
    input: input(worker({ status: 'creating', replicas: 1 }), [created('c1', { createdAgo: 2_000 })]),
    expect: [], requeue: 8_000 },
  { name: 'an instance still created past the 10 s grace is removed as never started and replaced',
    input: input(worker({ status: 'creating', replicas: 1 }), [created('c1', { createdAgo: 10_000 })]),
    expect: ['remove c1 (intentional)', 'create'] },
  { name: 'a young created instance beside a running one is a surplus: scaled down, not "never started"',
    input: input(worker({ replicas: 1 }), [running('ok'), created('stray', { createdAgo: 500 })]),
    expect: ['remove stray (intentional)'] },

  // --- crashes ------------------------------------------------------------------------------------
  // liveness confirmation (RING §5.3 t42): an instance that ended within 750 ms of its start
  { name: 'a creating worker whose instance died 200 ms after its start: liveness_unconfirmed, then the crash',
    input: input(worker({ status: 'creating' }), [exited('i1', 1, { startedAgo: 300, finishedAgo: 100 })]),
    expect: ['event liveness_unconfirmed', 'count 0→1', 'remove i1', 'create'] },
  { name: 'a retried-failure worker whose new instance died at once: liveness_unconfirmed too',
    input: input(worker({ status: 'error', restart_count: 1 }), [exited('i1', 127, { startedAgo: 50, finishedAgo: 40 })], { memory: { nextAttemptAt: NOW - 1, healthySince: null } }),
    expect: ['event liveness_unconfirmed', 'count 1→2', 'remove i1', 'status error→create_container_error'] },
  { name: 'a creating worker whose instance ran past the confirmation before it crashed: a crash only',
    input: input(worker({ status: 'creating' }), [exited('i1', 1, { startedAgo: 5000, finishedAgo: 100 })]),
    expect: ['count 0→1', 'remove i1', 'create'] },
  { name: 'a running worker whose fresh replacement died at once: a crash only (nothing to promote)',
    input: input(worker({ status: 'running' }), [exited('i1', 1, { startedAgo: 300, finishedAgo: 100 })]),
    expect: ['count 0→1', 'remove i1', 'create'] },
  { name: 'a first crash is counted once and replaced at once',
    input: input(worker({ replicas: 1 }), [exited('i1', 137)]),
    expect: ['count 0→1', 'remove i1', 'create'] },
  { name: 'a second crash is counted and the replacement waits 1 s',
    input: input(worker({ replicas: 1, restart_count: 1 }), [exited('i2', 1)]),
    expect: ['count 1→2', 'remove i2'], requeue: 1000 },
  { name: 'two replicas crashing in one pass are counted twice',
    input: input(worker({ replicas: 2 }), [exited('i1', 1), exited('i2', 2)]),
    expect: ['count 0→1', 'remove i1', 'count 1→2', 'remove i2'], requeue: 1000 },
  { name: 'a crash of a running worker keeps it running while the crash is replaced',
    input: input(worker({ replicas: 2 }), [running('i1'), exited('i2', 137)]),
    expect: ['count 0→1', 'remove i2', 'create'] },
  { name: 'the fifth crash puts the worker in crash_loop_back_off and creates nothing',
    input: input(worker({ replicas: 1, restart_count: 4, status: 'creating' }), [exited('i5', 1)]),
    expect: ['count 4→5', 'remove i5', 'status creating→crash_loop_back_off'] },
  { name: 'a worker already at the budget goes to crash_loop_back_off',
    input: input(worker({ restart_count: 5, status: 'creating' })),
    expect: ['status creating→crash_loop_back_off'] },
  { name: 'an exit the reconciler caused (settled) is removed silently, never counted',
    input: input(worker({ replicas: 1 }), [running('i2'), exited('i1', 143)], { settled: new Set(['i1']) }),
    expect: ['remove i1 (intentional)'] },
  { name: 'a crash already counted whose removal failed is not counted again',
    input: input(worker({ replicas: 1, restart_count: 1 }), [exited('i1', 137)], { settled: new Set(['i1']) }),
    expect: ['remove i1 (intentional)', 'create'] },
  { name: 'exit 0 completes a worker (Ring) and creates nothing',
    input: input(worker({ replicas: 1 }), [exited('i1', 0)]),
    expect: ['remove i1', 'status running→completed'] },
  { name: 'exit 127 is a non-retryable exit: counted, create_container_error',
    input: input(worker({ replicas: 1 }), [exited('i1', 127)]),
    expect: ['count 0→1', 'remove i1', 'status running→create_container_error', 'create'] },
  { name: 'exit 126 at the end of the budget gives crash_loop_back_off',
    input: input(worker({ replicas: 1, restart_count: 4, status: 'create_container_error' }), [exited('i1', 126)]),
    expect: ['count 4→5', 'remove i1', 'status create_container_error→crash_loop_back_off'] },
  { name: 'an OOM kill is a crash',
    input: input(worker({ replicas: 1 }), [exited('i1', 137, { oom: true })]),
    expect: ['count 0→1', 'remove i1', 'create'] },
  { name: 'a dead instance is treated as an exited one',
    input: input(worker({ replicas: 1 }), [withState(exited('i1', 255), 'dead')]),
    expect: ['count 0→1', 'remove i1', 'create'] },
];

describe('plan: workers', () => {
  for (const c of cases) {
    test(c.name, () => {
      const r = plan(c.input);
      assert.deepEqual(summary(r), c.expect);
      if (c.requeue === 'none') assert.equal(r.requeueAfterMs, undefined);
      else if (c.requeue !== undefined) assert.equal(r.requeueAfterMs, c.requeue);
    });
  }

  test('the crash event names the container and the new restart count', () => {
    const r = plan(input(worker({ restart_count: 2 }), [exited('abcdef0123456789', 1)]));
    assert.deepEqual(events(r), ['container_crashed: Container abcdef012345 exited unexpectedly (restart 3)']);
  });

  test('creating → running writes Ring\'s state_transition message with the container count', () => {
    const r = plan(input(worker({ status: 'creating', replicas: 2 }), [running('i1'), running('i2')]));
    assert.deepEqual(events(r), ['state_transition: Status changed from creating to running (2 containers)']);
  });

  test('scale events count up and down one replica at a time', () => {
    assert.deepEqual(events(plan(input(worker({ replicas: 3 }), [running('i1')]))), [
      'scale_up: Scaled up from 1 to 2 replicas', 'scale_up: Scaled up from 2 to 3 replicas',
    ]);
    assert.deepEqual(events(plan(input(worker({ replicas: 1 }), [running('a', { createdAgo: 9 }), running('b', { createdAgo: 8 }), running('c', { createdAgo: 7 })]))), [
      'scale_down: Scaled down from 3 to 2 replicas', 'scale_down: Scaled down from 2 to 1 replicas',
    ]);
  });

  test('exit 127 writes a non_retryable_exit event', () => {
    const r = plan(input(worker(), [exited('i1', 127)]));
    assert.match(events(r)[0]!, /^non_retryable_exit: Container i1 exited with code 127/);
  });

  test('liveness_unconfirmed: a docker warning naming the instance, how long it lived and the confirmation', () => {
    const r = plan(input(worker({ status: 'creating' }), [exited('abcdef1234567890', 137, { startedAgo: 300, finishedAgo: 100 })]));
    const a = r.actions[0]!;
    assert.equal(a.type, 'recordChange');
    if (a.type !== 'recordChange') return;
    assert.deepEqual(eventOf(a.change), {
      level: 'warning', component: 'docker', reason: 'liveness_unconfirmed',
      message: 'Container abcdef123456 stopped running 200ms after it started (exited with code 137), before its 750ms liveness confirmation; not promoted to running',
    });
  });

  test('exit 0 writes container_completed before the transition', () => {
    const r = plan(input(worker(), [exited('i1', 0)]));
    assert.deepEqual(events(r).map((e) => e.split(':')[0]), ['container_completed', 'state_transition']);
  });

  test('a counted crash arms the backoff in the returned memory', () => {
    const first = plan(input(worker(), [exited('i1', 1)]));
    assert.equal(first.memory.nextAttemptAt, NOW); // first crash: no wait
    const third = plan(input(worker({ restart_count: 2 }), [exited('i3', 1)]));
    assert.equal(third.memory.nextAttemptAt, NOW + 2000);
    assert.equal(third.memory.healthySince, null);
  });

  test('status changes compare-and-set against the status the plan saw', () => {
    const r = plan(input(worker({ status: 'creating' }), [running('i1')]));
    const a = r.actions[0]!;
    assert.equal(a.type, 'setStatus');
    if (a.type === 'setStatus') assert.equal(a.from, 'creating');
  });

  test('the memory passed in is never mutated', () => {
    const memory = { ...FRESH_MEMORY };
    plan(input(worker({ restart_count: 1 }), [exited('i1', 1)], { memory }));
    assert.deepEqual(memory, FRESH_MEMORY);
  });
});
