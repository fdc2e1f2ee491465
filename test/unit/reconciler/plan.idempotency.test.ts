// Level-triggered means: apply a plan to the world, plan again, and nothing is left to do.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../../../src/domain/deployment.js';
import { isTerminal, type Status } from '../../../src/domain/status.js';
import type { Instance } from '../../../src/runtime/runtime.js';
import { FRESH_MEMORY, endedChildNeedsPlan, isReconciled, plan, type DeploymentMemory, type PlanResult } from '../../../src/reconciler/plan.js';
import { rolloutRole } from '../../../src/reconciler/rollout.js';
import { NOW, created, exited, job, running, summary, withState, worker } from './builders.js';

/** A tiny world: one row, its instances, the executor's memory and settled set, a clock. */
class World {
  settled = new Set<string>();
  memory: DeploymentMemory = FRESH_MEMORY;
  now = NOW;
  private seq = 0;
  constructor(public d: Deployment | null, public instances: Instance[]) {}

  plan(): PlanResult {
    const r = plan({ deployment: this.d!, instances: this.instances, now: this.now, settled: this.settled, memory: this.memory });
    this.memory = r.memory;
    return r;
  }

  apply(r: PlanResult): void {
    for (const a of r.actions) {
      const d = this.d!;
      switch (a.type) {
        case 'createInstance':
          // Created, started, and (by the next pass) past the liveness confirmation.
          this.instances.push(running(`n${++this.seq}`, { startedAgo: 1000, createdAgo: 1000 - this.seq }));
          break;
        case 'removeInstance':
          if (a.intentional) this.settled.add(a.instanceId);
          this.instances = this.instances.filter((i) => i.id !== a.instanceId);
          break;
        case 'setStatus':
          assert.equal(d.status, a.from, 'compare-and-set sees the status the plan assumed');
          this.d = { ...d, status: a.status };
          break;
        case 'bumpRestartCount':
          assert.equal(d.restart_count, a.from);
          this.d = { ...d, restart_count: a.from + a.by };
          if (a.instanceId) this.settled.add(a.instanceId);
          break;
        case 'resetRestartCount':
          this.d = { ...d, restart_count: 0 };
          break;
        case 'purge':
          this.d = null;
          return;
        case 'recordChange':
          break;
      }
    }
  }

  /** Runs passes (advancing the clock to each requested requeue) until one has nothing to do. */
  converge(maxPasses = 10): number {
    for (let pass = 1; pass <= maxPasses; pass++) {
      if (this.d === null) return pass;
      const r = this.plan();
      if (r.actions.length === 0) {
        if (r.requeueAfterMs === undefined) return pass;
        this.now += r.requeueAfterMs;
        continue;
      }
      this.apply(r);
      this.now += Math.max(1, r.requeueAfterMs ?? 1);
    }
    throw new Error(`no fixpoint after ${maxPasses} passes: ${JSON.stringify(this.d)}`);
  }
}

describe('plan: idempotency', () => {
  const oneShot: { name: string; d: Deployment; instances: Instance[] }[] = [
    { name: 'scale down from 3 to 1', d: worker({ replicas: 1 }), instances: [running('a', { createdAgo: 3 }), running('b', { createdAgo: 2 }), running('c', { createdAgo: 1 })] },
    { name: 'a never-started instance next to a healthy one', d: worker({ replicas: 1 }), instances: [running('a'), created('b')] },
    { name: 'a settled exit next to a healthy one', d: worker({ replicas: 1 }), instances: [running('a'), exited('b', 143)] },
    { name: 'a creating worker fully up', d: worker({ status: 'creating', replicas: 2 }), instances: [running('a'), running('b')] },
    { name: 'a job that finished', d: job({ status: 'running' }), instances: [exited('j', 0)] },
    { name: 'a job that failed', d: job({ status: 'running' }), instances: [exited('j', 3)] },
    { name: 'a deleted worker', d: worker({ status: 'deleted', replicas: 2 }), instances: [running('a'), running('b')] },
  ];
  for (const c of oneShot) {
    test(`after applying its plan, ${c.name} plans nothing`, () => {
      const w = new World(c.d, [...c.instances]);
      if (c.instances.some((i) => i.id === 'b' && i.state === 'exited')) w.settled.add('b');
      const first = w.plan();
      assert.ok(first.actions.length > 0, 'the first plan has work');
      w.apply(first);
      if (w.d === null) return; // purged: nothing left to plan
      assert.deepEqual(summary(w.plan()), []);
    });
  }

  test('a crash converges: counted once, replaced, stable', () => {
    const w = new World(worker({ replicas: 2 }), [running('a'), exited('b', 137)]);
    w.converge();
    assert.equal(w.d!.status, 'running');
    assert.equal(w.instances.filter((i) => i.state === 'running').length, 2);
    assert.deepEqual(summary(w.plan()), []);
  });

  test('random worlds reach a stable fixpoint that honours the replica count', () => {
    const rand = lcg(42);
    const statuses: Status[] = ['pending', 'creating', 'running', 'image_pull_back_off', 'create_container_error', 'error'];
    for (let n = 0; n < 300; n++) {
      const replicas = rand(5);
      const kind = rand(4) === 0 ? 'job' : 'worker';
      const d = (kind === 'job' ? job : worker)({ replicas, status: statuses[rand(statuses.length)]!, restart_count: rand(5) });
      const instances: Instance[] = [];
      const count = kind === 'job' ? rand(2) : rand(6);
      for (let k = 0; k < count; k++) {
        const id = `r${k}`;
        const pick = rand(6);
        instances.push(
          pick === 0 ? exited(id, [0, 1, 137, 127][rand(4)]!, { createdAgo: 100 + k })
            : pick === 1 ? created(id, { createdAgo: 100 + k })
              : pick === 2 ? withState(running(id, { createdAgo: 100 + k }), 'restarting')
                : running(id, { createdAgo: 100 + k }),
        );
      }
      const w = new World(d, instances);
      w.converge(30);
      const final = w.d!;
      assert.deepEqual(summary(w.plan()), [], `case ${n} is stable`);
      if (isTerminal(final.status)) continue;
      const alive = w.instances.filter((i) => i.state === 'running' || i.state === 'restarting').length;
      assert.equal(alive, kind === 'job' ? 1 : replicas, `case ${n}: ${kind} ${final.status}`);
      assert.equal(final.status, 'running', `case ${n}`);
      if (kind === 'worker') assert.equal(final.restart_count, 0, `case ${n}: forgiven once healthy`);
    }
  });
});

/**
 * Several rows at once, as the loop sees them: each pass gives every reconciled row (and every
 * ended rolling child) its rollout role from the pure rolloutRole(), plans it and applies every
 * action, drains, rollout completions and stops included.
 */
class Fleet {
  settled = new Set<string>();
  memory = new Map<string, DeploymentMemory>();
  now = NOW;
  private seq = 0;
  constructor(public rows: Map<string, Deployment>, public instances: Instance[], readonly ready: (d: Deployment) => boolean = () => true,
    readonly rolloutDeadlineMs?: number) {}

  private of(id: string): Instance[] {
    return this.instances.filter((i) => i.deploymentId === id);
  }

  /** One pass; the number of actions applied. */
  pass(): { actions: number; requeue: number | undefined } {
    const reconciled = [...this.rows.values()].filter((d) => isReconciled(d.status));
    const planned = [...this.rows.values()].filter((d) => isReconciled(d.status) || endedChildNeedsPlan(d));
    let actions = 0;
    let requeue: number | undefined;
    for (const snapshot of planned) {
      const d = this.rows.get(snapshot.id);
      if (!d || d.status !== snapshot.status) continue; // changed by an earlier row's actions this pass: next pass
      const rollout = isReconciled(d.status) ? rolloutRole(d, reconciled, (id) => this.of(id), (c) => this.ready(c)) : undefined;
      const r = plan({
        deployment: d, instances: this.of(d.id), now: this.now, settled: this.settled, memory: this.memory.get(d.id) ?? FRESH_MEMORY,
        ready: this.ready(d), ...(rollout ? { rollout } : {}), ...(this.rolloutDeadlineMs !== undefined ? { rolloutDeadlineMs: this.rolloutDeadlineMs } : {}),
      });
      this.memory.set(d.id, r.memory);
      actions += r.actions.length;
      if (r.requeueAfterMs !== undefined) requeue = Math.min(requeue ?? Infinity, r.requeueAfterMs);
      this.apply(d.id, r);
    }
    return { actions, requeue };
  }

  private set(id: string, patch: Partial<Deployment>): void {
    this.rows.set(id, { ...this.rows.get(id)!, ...patch });
  }

  private apply(id: string, r: PlanResult): void {
    for (const a of r.actions) {
      const d = this.rows.get(id);
      if (!d) return;
      switch (a.type) {
        case 'createInstance':
          this.instances.push(running(`n${++this.seq}`, { deploymentId: id, startedAgo: 1000, createdAgo: 1000 - this.seq }));
          break;
        case 'removeInstance':
          if (a.intentional) this.settled.add(a.instanceId);
          this.instances = this.instances.filter((i) => i.id !== a.instanceId);
          break;
        case 'stopInstance':
          this.settled.add(a.instanceId);
          this.instances = this.instances.map((i) => (i.id === a.instanceId ? { ...i, state: 'exited' as const, exitCode: 143, finishedAt: this.now } : i));
          break;
        case 'drainInstance':
          // The executor starts the removal and does not wait: settled at once, gone by the next pass.
          this.settled.add(a.instanceId);
          this.instances = this.instances.filter((i) => i.id !== a.instanceId);
          break;
        case 'completeRollout': {
          const child = this.rows.get(a.childId);
          if (!child || child.parent_id !== a.parentId || isTerminal(child.status) || child.status === 'deleted') break;
          if (this.rows.get(a.parentId) && this.rows.get(a.parentId)!.status !== 'deleted') this.set(a.parentId, { status: 'deleted' });
          this.set(a.childId, { parent_id: null });
          break;
        }
        case 'setStatus':
          assert.equal(d.status, a.from, 'compare-and-set sees the status the plan assumed');
          this.set(id, { status: a.status });
          break;
        case 'bumpRestartCount':
          assert.equal(d.restart_count, a.from);
          this.set(id, { restart_count: a.from + a.by });
          if (a.instanceId) this.settled.add(a.instanceId);
          break;
        case 'resetRestartCount':
          this.set(id, { restart_count: 0 });
          break;
        case 'purge':
          this.rows.delete(id);
          return;
        case 'recordChange':
          break;
      }
    }
  }

  converge(maxPasses = 40): void {
    for (let n = 0; n < maxPasses; n++) {
      const { actions, requeue } = this.pass();
      if (actions === 0 && requeue === undefined) return;
      this.now += Math.max(1, requeue ?? 1);
    }
    throw new Error(`no fixpoint after ${maxPasses} passes: ${JSON.stringify([...this.rows.values()].map((d) => [d.id, d.status, d.parent_id]))}`);
  }
}

describe('plan: idempotency across a rolling update (drain and completion applied)', () => {
  const READY = { type: 'tcp' as const, port: 80, interval: '1s', timeout: '1s', readiness: true };

  test('random rollouts converge: the parent drained and purged, the child alone with its replicas, then nothing to do', () => {
    const rand = lcg(7);
    for (let n = 0; n < 100; n++) {
      const parentReplicas = 1 + rand(4);
      const childReplicas = 1 + rand(4);
      const parent = worker({ id: 'p', replicas: parentReplicas, status: 'running' });
      const child = worker({ id: 'c', parent_id: 'p', replicas: childReplicas, status: 'creating', image: 'img:2', health_checks: [READY] });
      const instances: Instance[] = [];
      for (let k = 0; k < parentReplicas; k++) instances.push(running(`p${k}`, { deploymentId: 'p', createdAgo: 100 + k }));
      for (let k = 0; k < rand(childReplicas + 1); k++) instances.push(running(`c${k}`, { deploymentId: 'c', createdAgo: 50 + k }));
      if (rand(3) === 0) instances.push(exited('px', 137, { deploymentId: 'p' }));
      const fleet = new Fleet(new Map([['p', parent], ['c', child]]), instances);
      fleet.converge();
      assert.equal(fleet.rows.has('p'), false, `case ${n}: the parent is purged`);
      const c = fleet.rows.get('c')!;
      assert.equal(c.status, 'running', `case ${n}`);
      assert.equal(c.parent_id, null, `case ${n}: the child is the deployment now`);
      assert.equal(fleet.instances.filter((i) => i.deploymentId === 'p').length, 0, `case ${n}: nothing of the parent runs`);
      assert.equal(fleet.instances.filter((i) => i.deploymentId === 'c' && i.state === 'running').length, childReplicas, `case ${n}`);
      assert.deepEqual(fleet.pass(), { actions: 0, requeue: undefined }, `case ${n} is stable`);
    }
  });

  test('a child that is never ready fails, its instances stop, the parent keeps all its own, and nothing is left to do', () => {
    const parent = worker({ id: 'p', replicas: 2, status: 'running' });
    const child = worker({ id: 'c', parent_id: 'p', replicas: 2, status: 'creating', health_checks: [READY], created_at: new Date(NOW).toISOString() });
    const fleet = new Fleet(new Map([['p', parent], ['c', child]]), [running('p0', { deploymentId: 'p' }), running('p1', { deploymentId: 'p' })],
      (d) => d.id !== 'c', 5000);
    fleet.converge();
    assert.equal(fleet.rows.get('c')!.status, 'failed');
    assert.equal(fleet.rows.get('p')!.status, 'running');
    assert.deepEqual(fleet.instances.filter((i) => i.deploymentId === 'p').map((i) => `${i.id} ${i.state}`), ['p0 running', 'p1 running']);
    assert.deepEqual(fleet.instances.filter((i) => i.deploymentId === 'c').map((i) => i.state), ['exited', 'exited'], 'stopped, kept for their logs');
    assert.deepEqual(fleet.pass(), { actions: 0, requeue: undefined });
  });
});

function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}
