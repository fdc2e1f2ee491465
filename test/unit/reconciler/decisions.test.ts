// Table tests of the lifecycle decisions moved out of the loop, the executor and the prober into
// pure functions: rollout roles, "waits for a deleted twin", the crash budget, what a fired
// health-check action writes, and what a runtime event records.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../../../src/domain/deployment.js';
import type { Status } from '../../../src/domain/status.js';
import type { Instance } from '../../../src/runtime/runtime.js';
import { rolloutIndex, rolloutRole, waitsForDeletedTwin } from '../../../src/reconciler/rollout.js';
import { budgetSpent, budgetSpentStatus, statusAfterFailure } from '../../../src/reconciler/budget.js';
import { fireWrite } from '../../../src/reconciler/health.js';
import { deathChange, withReportedDeaths, type ReportedDeath } from '../../../src/reconciler/runtime-events.js';
import { healthyWindowMs } from '../../../src/reconciler/plan.js';
import { eventOf, running, worker, withState } from './builders.js';

describe('rolloutRole', () => {
  const parent = worker({ id: 'p1', status: 'running', replicas: 2 });
  const child = (over: Partial<Deployment> = {}) => worker({ id: 'c1', parent_id: 'p1', status: 'running', replicas: 2, ...over });
  const up = [running('a', { deploymentId: 'c1' }), running('b', { deploymentId: 'c1' })];
  const ready = () => true;
  // who, all reconciled rows, the child's instances, gate → role
  const cases: [string, Deployment, Deployment[], Instance[], boolean, ReturnType<typeof rolloutRole>][] = [
    ['no child: no role', parent, [parent], [], true, undefined],
    ['a parent whose child runs every replica with its gate open: child ready', parent, [parent, child()], up, true,
      { role: 'parent', childId: 'c1', childReady: true }],
    ['gate shut: not ready', parent, [parent, child()], up, false, { role: 'parent', childId: 'c1', childReady: false }],
    ['child still creating: not ready', parent, [parent, child({ status: 'creating' })], up, true, { role: 'parent', childId: 'c1', childReady: false }],
    ['one replica short: not ready', parent, [parent, child()], up.slice(0, 1), true, { role: 'parent', childId: 'c1', childReady: false }],
    ['a stopped replica does not count', parent, [parent, child()], [up[0]!, withState(up[1]!, 'exited')], true,
      { role: 'parent', childId: 'c1', childReady: false }],
    ['a deleted child is no child', parent, [parent, child({ status: 'deleted' })], up, true, undefined],
    ['a child with its parent reconciled', child(), [parent, child()], up, true, { role: 'child', parentId: 'p1', parentActive: true }],
    ['a child whose parent is deleted takes over', child(), [{ ...parent, status: 'deleted' }, child()], up, true,
      { role: 'child', parentId: 'p1', parentActive: false }],
    ['a child whose parent is gone (terminal or purged) takes over', child(), [child()], up, true, { role: 'child', parentId: 'p1', parentActive: false }],
    ['a deleted row has no role', { ...parent, status: 'deleted' }, [parent, child()], up, true, undefined],
    ['a job has no role', worker({ id: 'j', kind: 'job' }), [parent], [], true, undefined],
    ['a deleted child before an active one: the active one is the child', parent,
      [parent, worker({ id: 'c0', parent_id: 'p1', status: 'deleted', replicas: 2 }), child()], up, true, { role: 'parent', childId: 'c1', childReady: true }],
    ['of two active children, the first', parent, [parent, child(), worker({ id: 'c2', parent_id: 'p1', status: 'creating', replicas: 2 })], up, true,
      { role: 'parent', childId: 'c1', childReady: true }],
  ];
  for (const [name, d, all, instances, gate, expected] of cases) {
    test(name, () => assert.deepEqual(rolloutRole(d, all, (id) => (id === 'c1' ? instances : []), gate ? ready : () => false), expected));
  }
  test('the index the loop builds once a pass gives every role the rows give', () => {
    for (const [name, d, all, instances, gate, expected] of cases) {
      assert.deepEqual(rolloutRole(d, rolloutIndex(all), (id) => (id === 'c1' ? instances : []), gate ? ready : () => false), expected, name);
    }
  });
});

describe('waitsForDeletedTwin', () => {
  const port = [{ published: 8080, target: 80 }];
  const fresh = worker({ id: 'new', status: 'creating', ports: port });
  const old = (over: Partial<Deployment> = {}) => worker({ id: 'old', status: 'deleted', ports: port, ...over });
  const cases: [string, Deployment, Deployment[], boolean][] = [
    ['a host port and a deleted twin of the same name: waits', fresh, [old(), fresh], true],
    ['no published port: never waits', worker({ id: 'new', status: 'creating' }), [old(), worker({ id: 'new' })], false],
    ['port 0 (ephemeral) is no host port', worker({ id: 'new', status: 'creating', ports: [{ published: 0, target: 80 }] }), [old()], false],
    ['the twin is already purged', fresh, [fresh], false],
    ['the twin is still active (not deleted)', fresh, [old({ status: 'running' }), fresh], false],
    ['another namespace', fresh, [old({ namespace: 'other' }), fresh], false],
    ['another name', fresh, [old({ name: 'other' }), fresh], false],
    ['a deleted row itself never waits', { ...fresh, status: 'deleted' }, [old()], false],
  ];
  for (const [name, d, all, expected] of cases) test(name, () => assert.equal(waitsForDeletedTwin(d, all), expected));
});

describe('the crash budget', () => {
  test('spent at 5 counted failures', () => {
    assert.deepEqual([0, 4, 5, 6].map(budgetSpent), [false, false, true, true]);
  });
  test('a spent worker loops no more; a spent job failed', () => {
    assert.equal(budgetSpentStatus('worker'), 'crash_loop_back_off');
    assert.equal(budgetSpentStatus('job'), 'failed');
  });
  // kind, count after the failure, classification → status
  const cases: [Deployment['kind'], number, { status: Status; terminal: boolean }, Status][] = [
    ['worker', 1, { status: 'image_pull_back_off', terminal: false }, 'image_pull_back_off'],
    ['worker', 5, { status: 'image_pull_back_off', terminal: false }, 'crash_loop_back_off'],
    ['job', 5, { status: 'create_container_error', terminal: false }, 'failed'],
    ['worker', 5, { status: 'insufficient_resources', terminal: true }, 'insufficient_resources'],
    ['job', 0, { status: 'insufficient_resources', terminal: true }, 'insufficient_resources'],
  ];
  for (const [kind, n, c, expected] of cases) {
    test(`${kind} at ${n} after ${c.status}${c.terminal ? ' (terminal)' : ''} → ${expected}`, () => assert.equal(statusAfterFailure(kind, n, c), expected));
  }
});

describe('a fired health-check action', () => {
  test('stop deletes the deployment, compare-and-set on its status', () => {
    assert.deepEqual(fireWrite({ status: 'running' }, 'stop'), { expect: { status: 'running' }, status: 'deleted' });
  });
  test('restart and alert leave the row alone', () => {
    assert.deepEqual(fireWrite({ status: 'running' }, 'restart'), {});
    assert.deepEqual(fireWrite({ status: 'running' }, 'alert'), {});
  });
});

describe('what a runtime event records', () => {
  const ev = (kind: 'die' | 'oom' | 'kill' | 'start', exitCode: number | null = null) => ({ kind, instanceId: 'abcdefabcdef99', exitCode });
  const line = (c: ReturnType<typeof deathChange>) => (c ? `${eventOf(c).reason}: ${eventOf(c).message}` : null);
  test('a death with its exit code', () => assert.equal(line(deathChange(ev('die', 137), { kind: 'worker' })), 'container_died: Container abcdefabcdef died (exit code 137)'));
  test('a job exiting 0 succeeded: nothing', () => assert.equal(deathChange(ev('die', 0), { kind: 'job' }), null));
  test('a job exiting 1 died', () => assert.equal(line(deathChange(ev('die', 1), { kind: 'job' })), 'container_died: Container abcdefabcdef died (exit code 1)'));
  test('oom and kill', () => {
    assert.equal(line(deathChange(ev('oom'), { kind: 'worker' })), 'container_oom: Container abcdefabcdef ran out of memory');
    assert.equal(line(deathChange(ev('kill'), { kind: 'worker' })), 'container_killed: Container abcdefabcdef was sent a kill signal');
  });
  test('a start records nothing', () => assert.equal(deathChange(ev('start'), { kind: 'worker' }), null));
});

describe('a reported death before the list shows it', () => {
  const death = (over: Partial<ReportedDeath> = {}): ReportedDeath => ({ died: true, exitCode: 137, oom: false, at: 5000, ...over });
  const one = (i: Instance, d?: ReportedDeath) => withReportedDeaths([i], new Map(d ? [[i.id, d]] : []))[0]!;
  test('a listed-running instance that died is shown exited with the event\'s code and time', () => {
    const i = one(running('a'), death());
    assert.equal(i.state, 'exited');
    assert.equal(i.exitCode, 137);
    assert.equal(i.finishedAt, 5000);
    assert.equal(i.oomKilled, false);
  });
  test('an oom before the die marks it out of memory', () => assert.equal(one(running('a'), death({ oom: true })).oomKilled, true));
  test('an oom alone does not end it', () => assert.equal(one(running('a'), death({ died: false, oom: true })).state, 'running'));
  test('exit 0 is kept (a worker that completed)', () => assert.equal(one(running('a'), death({ exitCode: 0 })).exitCode, 0));
  test('what the list already shows ended is left as listed', () => {
    const listed = { ...withState(running('a'), 'exited'), exitCode: 1, finishedAt: 4000 };
    assert.deepEqual(one(listed, death()), listed);
  });
  test('no report: unchanged', () => assert.deepEqual(one(running('a')), running('a')));
});

describe('one healthy-window rule', () => {
  const check = (min?: string) => ({ type: 'tcp' as const, port: 80, interval: '1s', timeout: '1s', readiness: true, ...(min ? { min_healthy_time: min } : {}) });
  const cases: [string, Deployment, number][] = [
    ['no checks: the 10 s floor', worker(), 10_000],
    ['a readiness check without min_healthy_time: its 10 s default', worker({ health_checks: [check()] }), 10_000],
    ['a longer min_healthy_time wins', worker({ health_checks: [check('3s'), check('30s')] }), 30_000],
    ['a shorter one never goes below the floor', worker({ health_checks: [check('1s')] }), 10_000],
    ['an unreadable one counts as the default', worker({ health_checks: [check('soon')] }), 10_000],
    ['a liveness-only check does not gate', worker({ health_checks: [{ ...check('60s'), readiness: false }] }), 10_000],
  ];
  for (const [name, d, expected] of cases) test(name, () => assert.equal(healthyWindowMs(d), expected));
});
