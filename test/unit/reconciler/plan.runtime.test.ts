// plan() for deployments of any runtime: the events it writes about instances name the deployment's
// runtime as their component (B23: `cloud-hypervisor` for VMs, never `docker`), and a job whose
// instance died under it without an exit code (a crashed VMM) is counted and retried up to the
// budget instead of failing at once (B11). The rules stay runtime-agnostic: they read the row's
// runtime name and the instance's fields, never branch on a runtime.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../../../src/domain/deployment.js';
import type { Instance } from '../../../src/runtime/runtime.js';
import { plan, type Action, type PlanResult } from '../../../src/reconciler/plan.js';
import { NOW, created, eventOf, exited, input, job, running, summary, withState, worker } from './builders.js';

/** Every event an action list writes, as `component/reason`. */
function voices(r: PlanResult): string[] {
  const out: string[] = [];
  for (const a of r.actions as Action[]) {
    const change = a.type === 'setStatus' ? a.cause : 'change' in a ? a.change : undefined;
    if (change) {
      const e = eventOf(change);
      out.push(`${e.component}/${e.reason}`);
    }
  }
  return out;
}

const VM = 'ch-d1d1d1d1-0a1b2c3d';
/** A VM whose VMM died: CH leaves a stale socket and no exit code. */
const crashedVm = (id = VM): Instance => withState(exited(id, null), 'dead');
/** A VM whose guest powered off: the socket is gone, the end is clean. */
const poweredOff = (id = VM): Instance => ({ ...exited(id, null), cleanShutdown: true });

describe('plan: instance events come from the deployment\'s runtime', () => {
  const rows: { name: string; d: (runtime: Deployment['runtime']) => Deployment; instances: Instance[]; expect: (c: string) => string[] }[] = [
    { name: 'a crashed worker instance', d: (runtime) => worker({ runtime }), instances: [withState(exited('i1', 255), 'dead')],
      expect: (c) => [`${c}/container_crashed`, `${c}/scale_up`] },
    { name: 'an instance that never started', d: (runtime) => worker({ runtime, status: 'creating' }), instances: [created('i1')],
      expect: (c) => [`${c}/container_deletion`, `${c}/scale_up`] },
    { name: 'a scale-down', d: (runtime) => worker({ runtime, replicas: 1 }), instances: [running('a', { createdAgo: 9 }), running('b', { createdAgo: 8 })],
      expect: (c) => [`${c}/scale_down`] },
    { name: 'a worker that exits 0', d: (runtime) => worker({ runtime }), instances: [exited('i1', 0)],
      expect: (c) => [`${c}/container_completed`] },
    { name: 'exit 127', d: (runtime) => worker({ runtime }), instances: [exited('i1', 127)],
      expect: (c) => [`${c}/non_retryable_exit`, `${c}/scale_up`] },
    { name: 'a job that exits 3', d: (runtime) => job({ runtime, status: 'running' }), instances: [exited('j1', 3)],
      expect: (c) => [`${c}/job_failed`] },
    { name: 'a job whose container vanished', d: (runtime) => job({ runtime, status: 'running' }), instances: [],
      expect: (c) => [`${c}/container_lost`, `${c}/scale_up`] },
  ];
  for (const runtime of ['docker', 'cloud-hypervisor'] as const) {
    for (const r of rows) {
      test(`${runtime}: ${r.name}`, () => assert.deepEqual(voices(plan(input(r.d(runtime), r.instances))), r.expect(runtime)));
    }
  }

  test('a VM\'s crash event says VM and names the instance by its full id (its first 12 characters are the deployment\'s)', () => {
    const r = plan(input(worker({ runtime: 'cloud-hypervisor', restart_count: 1 }), [crashedVm()]));
    const bump = r.actions.find((a) => a.type === 'bumpRestartCount')!;
    assert.equal(eventOf((bump as Extract<Action, { type: 'bumpRestartCount' }>).change).message, `VM ${VM} exited unexpectedly (restart 2)`);
  });

  test('Docker keeps Ring\'s wording: "Container <12 hex>"', () => {
    const r = plan(input(worker(), [exited('abcdef0123456789', 1)]));
    const bump = r.actions.find((a) => a.type === 'bumpRestartCount') as Extract<Action, { type: 'bumpRestartCount' }>;
    assert.deepEqual(eventOf(bump.change), { level: 'error', component: 'docker', reason: 'container_crashed', message: 'Container abcdef012345 exited unexpectedly (restart 1)' });
  });
});

describe('plan: a job whose instance died under it (B11)', () => {
  const chJob = (over: Partial<Deployment> = {}) => job({ runtime: 'cloud-hypervisor', status: 'running', ...over });
  const cases: { name: string; input: ReturnType<typeof input>; expect: string[] }[] = [
    { name: 'a crashed VM counts one restart, is removed and the job runs again',
      input: input(chJob(), [crashedVm()]), expect: ['count 0→1', `remove ${VM}`, 'status running→creating', 'create'] },
    { name: 'a crash seen before any pass saw the VM running counts the same',
      input: input(chJob({ status: 'creating', restart_count: 1 }), [crashedVm()]), expect: ['count 1→2', `remove ${VM}`] },
    { name: 'the fifth crash fails the job',
      input: input(chJob({ restart_count: 4 }), [crashedVm()]), expect: ['count 4→5', `remove ${VM}`, 'status running→failed'] },
    { name: 'a crash already counted (settled) is not counted again',
      input: input(chJob({ status: 'creating', restart_count: 1 }), [crashedVm()], { settled: new Set([VM]) }), expect: ['create'] },
    { name: 'a clean poweroff completes the job, no count',
      input: input(chJob(), [poweredOff()]), expect: ['status running→completed'] },
    { name: 'a Docker job\'s non-zero exit still fails it at once (the program said it failed)',
      input: input(job({ status: 'running' }), [withState(exited('j1', 1), 'dead')]), expect: ['status running→failed'] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(summary(plan(c.input)), c.expect));

  test('the second crash backs off before the next boot (1 s), like any counted failure', () => {
    const r = plan(input(chJob({ restart_count: 1 }), [crashedVm()]));
    assert.deepEqual(summary(r), ['count 1→2', `remove ${VM}`, 'status running→creating']);
    assert.equal(r.requeueAfterMs, 1000);
    assert.equal(r.memory.nextAttemptAt, NOW + 1000);
  });

  test('the budget\'s end records job_failed with the count', () => {
    const r = plan(input(chJob({ restart_count: 4 }), [crashedVm()]));
    const fail = r.actions.find((a) => a.type === 'setStatus') as Extract<Action, { type: 'setStatus' }>;
    assert.equal(fail.status, 'failed');
    assert.deepEqual(eventOf(fail.cause!), { level: 'error', component: 'scheduler', reason: 'job_failed', message: 'Restart count reached 5 (max 5); job failed' });
  });
});
