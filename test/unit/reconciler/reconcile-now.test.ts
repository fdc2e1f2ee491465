// Executor.reconcileNow(): an idle pass's deployment (nothing to do, nothing queued) gets its
// outcome at once, with no work queued; anything else goes through reconcile() as before, and the
// plan's memory is kept either way.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import { Executor } from '../../../src/reconciler/execute.js';
import { HEALTHY_WINDOW_MS } from '../../../src/reconciler/plan.js';
import { createStore, openDatabase } from '../../../src/store/index.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';

function spec(name: string): DeploymentSpec {
  return {
    name, namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 1, command: [],
    environment: {}, labels: {}, ports: [], volumes: [], config: { image_pull_policy: 'IfNotPresent' }, health_checks: [],
  };
}

function setup() {
  const store = createStore(openDatabase(':memory:'));
  const rt = new FakeRuntime();
  let now = 1_000_000;
  const executor = new Executor({ store, applyTimeoutMs: 5000, livenessConfirmMs: 0, clock: () => now });
  return { store, rt, executor, advance: (ms: number) => { now += ms; }, now: () => now };
}

describe('Executor.reconcileNow', () => {
  test('a deployment as desired: the outcome at once, nothing queued', () => {
    const { store, rt, executor, now } = setup();
    const d = store.deployments.insert(spec('w'), { status: 'running' });
    const i = rt.add({ deploymentId: d.id, createdAt: now() - 60_000, startedAt: now() - 60_000 });
    const got = executor.reconcileNow(store.deployments.get(d.id)!, [i], rt);
    assert.ok(!(got instanceof Promise), 'not a promise');
    assert.deepEqual(got, { actions: 0, timedOut: false, purged: false });
    assert.equal(executor.isBusy(d.id), false);
  });

  test('a deployment with work: queued and applied as reconcile() does', async () => {
    const { store, rt, executor } = setup();
    const d = store.deployments.insert(spec('w'), { status: 'creating' });
    const got = executor.reconcileNow(store.deployments.get(d.id)!, [], rt);
    assert.ok(got instanceof Promise);
    assert.equal(executor.isBusy(d.id), true);
    const outcome = await got;
    assert.ok(outcome.actions > 0);
    assert.equal(rt.of(d.id).length, 1, 'the instance was created');
  });

  test('work already queued for it: queued behind that work, even with nothing to do', async () => {
    const { store, rt, executor, now } = setup();
    rt.createDelayMs = 50;
    const d = store.deployments.insert(spec('w'), { status: 'creating' });
    const first = executor.reconcileNow(store.deployments.get(d.id)!, [], rt);
    const i = rt.add({ deploymentId: 'other', createdAt: now(), startedAt: now() });
    const second = executor.reconcileNow(store.deployments.get(d.id)!, [{ ...i, deploymentId: d.id }], rt);
    assert.ok(second instanceof Promise, 'serialized after the first');
    await first;
    await second;
  });

  test('the memory of a plan without actions is kept: the healthy window runs out on a later pass', async () => {
    const { store, rt, executor, advance, now } = setup();
    const d = store.deployments.insert(spec('w'), { status: 'running' });
    store.deployments.setRestartCount(d.id, 2);
    const i = rt.add({ deploymentId: d.id, createdAt: now(), startedAt: now() });
    const first = executor.reconcileNow(store.deployments.get(d.id)!, [i], rt);
    assert.ok(!(first instanceof Promise));
    assert.equal(first.requeueAfterMs, HEALTHY_WINDOW_MS, 'come back when the window ends');
    assert.equal(executor.memoryOf(d.id).healthySince, now(), 'healthy since this pass');
    advance(HEALTHY_WINDOW_MS / 2);
    const mid = executor.reconcileNow(store.deployments.get(d.id)!, [i], rt);
    assert.ok(!(mid instanceof Promise));
    assert.equal(mid.requeueAfterMs, HEALTHY_WINDOW_MS / 2, 'the window counted from the first pass, not this one');
    advance(HEALTHY_WINDOW_MS / 2);
    const last = executor.reconcileNow(store.deployments.get(d.id)!, [i], rt);
    assert.ok(last instanceof Promise, 'the reset is work');
    await last;
    assert.equal(store.deployments.get(d.id)!.restart_count, 0);
  });
});

describe('SettledSet.viewAt', () => {
  test('answers as at(now) does, expiry included', async () => {
    const { SettledSet } = await import('../../../src/reconciler/execute.js');
    let now = 0;
    const s = new SettledSet(100, () => now);
    s.add('a');
    now = 50;
    s.add('b');
    for (const t of [0, 99, 100, 101, 149, 150, 151]) {
      const set = s.at(t);
      const view = s.viewAt(t);
      for (const id of ['a', 'b', 'c']) assert.equal(view.has(id), set.has(id), `${id} at ${t}`);
    }
    assert.equal(s.viewAt(100).has('a'), true);
    assert.equal(s.viewAt(101).has('a'), false);
  });
});
