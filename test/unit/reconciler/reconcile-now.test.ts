// Executor.reconcileNow(): an idle pass's deployment (nothing to do, nothing queued) gets its
// outcome at once, with no work queued; anything else goes through reconcile() as before, and the
// plan's memory is kept either way.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import { Executor } from '../../../src/reconciler/execute.js';
import { HEALTHY_WINDOW_MS } from '../../../src/reconciler/plan.js';
import { createStore, openDatabase } from '../../../src/store/index.js';
import { RuntimeError } from '../../../src/runtime/runtime.js';
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
  const gate = { open: true };
  const executor = new Executor({ store, applyTimeoutMs: 5000, livenessConfirmMs: 0, clock: () => now, isReady: () => gate.open });
  return { store, rt, executor, gate, advance: (ms: number) => { now += ms; }, now: () => now };
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

// The skip of unchanged plans (PlanResult.stableUntil, plan.stable.test.ts): a plan is seen to run
// again by the memory object it leaves (every plan() makes a new one).
describe('Executor.reconcileNow: an unchanged plan is not made again', () => {
  function idle() {
    const s = setup();
    const d = s.store.deployments.insert(spec('w'), { status: 'running' });
    const i = s.rt.add({ deploymentId: d.id, createdAt: s.now() - 60_000, startedAt: s.now() - 60_000 });
    const row = s.store.deployments.get(d.id)!;
    s.executor.reconcileNow(row, [i], s.rt); // up as of this pass: its memory is stamped, not kept
    s.executor.reconcileNow(row, [i], s.rt);
    return { ...s, row, i, planned: s.executor.memoryOf(d.id) };
  }

  test('the same row, instances, memory, gate and settled ids: the last answer, without planning', () => {
    const { rt, executor, row, i, planned, advance } = idle();
    advance(3_600_000);
    const got = executor.reconcileNow(row, [i], rt);
    assert.deepEqual(got, { actions: 0, timedOut: false, purged: false });
    assert.equal(executor.memoryOf(row.id), planned, 'not planned again');
  });

  test('any input that changed: planned again', () => {
    const { store, rt, executor, gate, row, i, planned } = idle();
    const replanned = (what: string, r: typeof row, is: typeof i[]) => {
      const before = executor.memoryOf(row.id);
      executor.reconcileNow(r, is, rt);
      assert.notEqual(executor.memoryOf(row.id), before, `${what}: planned again`);
    };
    assert.equal(executor.memoryOf(row.id), planned);
    replanned('another row object', store.deployments.get(row.id)!, [i]);
    const row2 = store.deployments.get(row.id)!;
    executor.reconcileNow(row2, [i], rt);
    replanned('another instance object', row2, [{ ...i }]);
    const is = [{ ...i }];
    executor.reconcileNow(row2, is, rt);
    // One more instance, on its way out (no action for it): the list differs, the plan must look.
    replanned('another instance list', row2, [is[0]!, { ...is[0]!, id: 'x'.repeat(64), state: 'removing' }]);
    executor.reconcileNow(row2, is, rt);
    const kept = executor.memoryOf(row.id);
    executor.settled.add('someone-else');
    executor.reconcileNow(row2, is, rt);
    assert.notEqual(executor.memoryOf(row.id), kept, 'an instance settled since: planned again');
    executor.reconcileNow(row2, is, rt);
    const kept2 = executor.memoryOf(row.id);
    gate.open = false;
    executor.reconcileNow(row2, is, rt);
    assert.notEqual(executor.memoryOf(row.id), kept2, 'the gate moved: planned again');
    executor.reconcileNow(row2, is, rt);
    const role = { role: 'child' as const, parentId: 'p1', parentActive: true };
    const kept3 = executor.memoryOf(row.id);
    executor.reconcileNow(row2, is, rt, { rollout: role });
    assert.notEqual(executor.memoryOf(row.id), kept3, 'a rollout role now: planned again');
    const kept4 = executor.memoryOf(row.id);
    executor.reconcileNow(row2, is, rt, { rollout: { ...role } });
    assert.equal(executor.memoryOf(row.id), kept4, 'the same role (by value): not planned again');
    executor.reconcileNow(row2, is, rt, { rollout: { ...role, parentId: 'p2' } });
    assert.notEqual(executor.memoryOf(row.id), kept4, 'another parent: planned again');
  });

  test('a skipped plan keeps its timer: the healthy window still ends on time, with the requeue counted down', async () => {
    const { store, rt, executor, advance, now } = setup();
    const d = store.deployments.insert(spec('w'), { status: 'running' });
    store.deployments.setRestartCount(d.id, 2);
    const row = store.deployments.get(d.id)!;
    const i = rt.add({ deploymentId: d.id, createdAt: now(), startedAt: now() });
    executor.reconcileNow(row, [i], rt); // healthy since now (stamped)
    advance(1000);
    const first = executor.reconcileNow(row, [i], rt);
    assert.ok(!(first instanceof Promise));
    assert.equal(first.requeueAfterMs, HEALTHY_WINDOW_MS - 1000);
    const planned = executor.memoryOf(d.id);
    advance(HEALTHY_WINDOW_MS - 1001);
    const mid = executor.reconcileNow(row, [i], rt);
    assert.ok(!(mid instanceof Promise));
    assert.equal(executor.memoryOf(d.id), planned, 'skipped inside the window');
    assert.equal(mid.requeueAfterMs, 1, 'the requeue due when the fresh plan would have it');
    advance(1);
    const last = executor.reconcileNow(row, [i], rt);
    assert.ok(last instanceof Promise, 'at the end of the window: the reset is planned and applied');
    await last;
    assert.equal(store.deployments.get(d.id)!.restart_count, 0);
  });

  test('a settled id that expires ends the skip: a job in backoff sees its ended instance again', async () => {
    const { store, rt, executor, advance } = setup();
    const d = store.deployments.insert({ ...spec('j'), kind: 'job' }, { status: 'pending' });
    store.deployments.setRestartCount(d.id, 1);
    const ended = rt.add({ deploymentId: d.id, state: 'exited', exitCode: 3, createdAt: 0, startedAt: 0, finishedAt: 1 });
    executor.settled.add(ended.id); // settled for 60 s from now
    advance(59_500);
    // A failed create (counted): restart 2, backoff 1 s, past the settled mark's end.
    rt.createFailures.push(new RuntimeError('instance_creation_failed', 'no'));
    const failed = executor.reconcileNow(store.deployments.get(d.id)!, [ended], rt);
    assert.ok(failed instanceof Promise);
    await failed;
    await new Promise((r) => setImmediate(r)); // its chain ends
    assert.equal(store.deployments.get(d.id)!.restart_count, 2);
    const row = store.deployments.get(d.id)!;
    const quiet = executor.reconcileNow(row, [ended], rt);
    assert.ok(!(quiet instanceof Promise), 'in backoff, its ended instance settled: nothing to do');
    advance(500); // the settled mark is at its last ms: still settled
    assert.ok(!(executor.reconcileNow(row, [ended], rt) instanceof Promise));
    advance(1); // no longer settled, still in backoff: the job's end is seen
    const seen = executor.reconcileNow(row, [ended], rt);
    assert.ok(seen instanceof Promise, 'planned again once the settled mark expired');
    await seen;
    assert.equal(store.deployments.get(d.id)!.status, 'failed');
  });
});

describe('SettledSet.probe', () => {
  test('answers as viewAt(now) does, and notes the earliest expiry among its yes answers', async () => {
    const { SettledSet } = await import('../../../src/reconciler/execute.js');
    let now = 0;
    const s = new SettledSet(100, () => now);
    s.add('a');
    now = 50;
    s.add('b');
    assert.equal(s.version, 2);
    for (const t of [0, 99, 100, 101, 150, 151]) {
      const p = s.probe(t);
      for (const id of ['a', 'b', 'c']) assert.equal(p.has(id), s.viewAt(t).has(id), `${id} at ${t}`);
    }
    const p = s.probe(0);
    assert.equal(p.expiresAt, Infinity);
    p.has('c');
    assert.equal(p.expiresAt, Infinity, 'a no answer notes nothing');
    p.has('b');
    assert.equal(p.expiresAt, 150);
    p.has('a');
    assert.equal(p.expiresAt, 100);
    assert.equal(s.probe(120).expiresAt, Infinity, 'each probe starts afresh');
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
