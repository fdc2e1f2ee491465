// The loop end to end over an in-memory runtime and a real SQLite store.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import type { Status } from '../../../src/domain/status.js';
import { Reconciler, type ReconcilerDeps } from '../../../src/reconciler/loop.js';
import { RuntimeError } from '../../../src/runtime/runtime.js';
import { createStore, openDatabase, type Store } from '../../../src/store/index.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { until } from '../../helpers/until.js';

function spec(over: Partial<DeploymentSpec> = {}): DeploymentSpec {
  return {
    name: 'web', namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 1, command: [],
    environment: {}, labels: {}, ports: [], volumes: [], config: { image_pull_policy: 'IfNotPresent' }, health_checks: [],
    ...over,
  };
}

interface Harness { store: Store; rt: FakeRuntime; rec: Reconciler; warnings: string[] }
const open: Reconciler[] = [];

function harness(over: Partial<ReconcilerDeps> = {}, rt = new FakeRuntime()): Harness {
  const store = createStore(openDatabase(':memory:'));
  const warnings: string[] = [];
  const rec = new Reconciler({
    store, runtimes: new Map([['docker', rt]]), intervalMs: 60_000, applyTimeoutMs: 5000, livenessConfirmMs: 0, resubscribeMs: 20,
    logger: { debug() {}, info() {}, warn: (_f, m) => void warnings.push(m), error: (_f, m) => void warnings.push(m) },
    ...over,
  });
  open.push(rec);
  return { store, rt, rec, warnings };
}

afterEach(async () => {
  while (open.length) await open.pop()!.stop();
});


const statusOf = (h: Harness, id: string): Status | undefined => h.store.deployments.get(id)?.status;
const reasons = (h: Harness, id: string): string[] => h.store.events.list(id, { limit: 100 }).map((e) => e.reason).reverse();

describe('Reconciler', () => {
  test('onObserved: the same array again for the same instances; a new one when one changed', async () => {
    const seen: ReturnType<FakeRuntime['of']>[] = [];
    const h = harness({ onObserved: (is) => void seen.push(is) });
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    await h.rec.whenIdle();
    const pass = async () => {
      const before = h.rec.passes;
      h.rec.wake();
      await until('a pass', () => h.rec.passes > before);
      await h.rec.whenIdle();
      return seen.at(-1)!;
    };
    const a = await pass();
    const b = await pass();
    assert.equal(b, a, 'nothing changed: the same array');
    h.rt.add({ deploymentId: 'someone-else' });
    const c = await pass();
    assert.notEqual(c, a);
    assert.equal(c.length, a.length + 1, 'the new instance is in it');
    h.rt.kill(h.rt.of(d.id, 'running')[0]!.id);
    const e = await pass();
    assert.notEqual(e, c, 'a changed instance: a new array');
  });

  test('idle passes read no deployment rows; a write makes the next pass read them again', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    await h.rec.whenIdle();
    // One more pass reads the rows as the promotion to running left them.
    const first = h.rec.passes;
    h.rec.wake();
    await until('a pass', () => h.rec.passes > first);
    await h.rec.whenIdle();
    let lists = 0;
    const list = h.store.deployments.list.bind(h.store.deployments);
    h.store.deployments.list = (f) => { lists++; return list(f); };
    const before = h.rec.passes;
    for (let k = 0; k < 3; k++) {
      h.rec.wake();
      await until('a pass', () => h.rec.passes > before + k);
      await h.rec.whenIdle();
    }
    assert.equal(lists, 0, 'three idle passes listed the deployment table');
    // A change the pass must see: scaled to 2 behind the loop's back.
    h.store.deployments.setReplicas(d.id, 2);
    h.rec.wake();
    await until('the second replica', () => h.rt.of(d.id, 'running').length === 2);
    assert.ok(lists > 0);
  });

  test('an applied worker converges to running with every replica', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec({ replicas: 2 }), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    assert.equal(h.rt.of(d.id, 'running').length, 2);
    assert.equal(h.rt.created.length, 2);
    assert.deepEqual(reasons(h, d.id), ['scale_up', 'scale_up', 'state_transition']);
    const events = h.store.events.list(d.id, { limit: 10 });
    assert.equal(events[0]!.message, 'Status changed from creating to running (2 containers)');
  });

  test('an instance that dies right after its start, before the liveness confirmation: liveness_unconfirmed in the events', async () => {
    const rt = new FakeRuntime();
    rt.exitOnStart = () => 1;
    const h = harness({ livenessConfirmMs: 750 }, rt);
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('a counted crash', () => h.store.deployments.get(d.id)!.restart_count >= 1);
    const evs = h.store.events.list(d.id, { limit: 100 }).reverse();
    const i = evs.findIndex((e) => e.reason === 'liveness_unconfirmed');
    assert.ok(i >= 0, evs.map((e) => e.reason).join(','));
    assert.equal(evs[i]!.level, 'warning');
    assert.equal(evs[i + 1]!.reason, 'container_crashed', 'the crash is recorded right after it');
    assert.equal(statusOf(h, d.id), 'creating', 'never promoted');
  });

  test("a crashed container's removal does not hold up its replacement", async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    const old = h.rt.of(d.id, 'running')[0]!;
    h.rt.removeDelayMs = 400;
    h.rt.kill(old.id);
    await until('a replacement', () => h.rt.of(d.id, 'running').find((i) => i.id !== old.id));
    assert.equal(h.rt.instances.has(old.id), true, 'the replacement started while the crashed container was still being removed');
    await h.rec.whenIdle();
    assert.equal(h.rt.instances.has(old.id), false, 'the crashed container is removed');
    assert.equal(h.store.deployments.get(d.id)!.restart_count, 1);
    assert.equal(h.rt.of(d.id).length, 1);
  });

  test('a `die` is believed before the list shows the container exited', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    const old = h.rt.of(d.id, 'running')[0]!;
    const catchUp = h.rt.dieBeforeList(old.id, 137);
    await until('a replacement', () => h.rt.of(d.id, 'running').find((i) => i.id !== old.id));
    await h.rec.whenIdle();
    catchUp();
    h.rec.wake();
    await h.rec.whenIdle();
    const row = h.store.deployments.get(d.id)!;
    assert.equal(row.restart_count, 1);
    assert.equal(reasons(h, d.id).filter((x) => x === 'container_crashed').length, 1);
    assert.equal(h.rt.instances.has(old.id), false, 'the dead container is removed');
    assert.equal(h.rt.of(d.id).length, 1);
  });

  test('a killed container is replaced and counted exactly once', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    const old = h.rt.of(d.id, 'running')[0]!;
    h.rt.kill(old.id);
    const fresh = await until('a replacement', () => h.rt.of(d.id, 'running').find((i) => i.id !== old.id));
    await h.rec.whenIdle();
    const row = h.store.deployments.get(d.id)!;
    assert.equal(row.restart_count, 1);
    assert.equal(row.status, 'running');
    assert.ok(fresh);
    assert.equal(h.rt.instances.has(old.id), false, 'the crashed container is removed');
    const r = reasons(h, d.id);
    assert.ok(r.includes('container_died'), r.join());
    assert.equal(r.filter((x) => x === 'container_crashed').length, 1);
    const crashed = h.store.events.list(d.id, { limit: 100 }).find((e) => e.reason === 'container_crashed')!;
    assert.equal(crashed.message, `Container ${old.id.slice(0, 12)} exited unexpectedly (restart 1)`);
    // More passes change nothing.
    h.rec.wake();
    await h.rec.whenIdle();
    assert.equal(h.store.deployments.get(d.id)!.restart_count, 1);
    assert.equal(h.rt.of(d.id).length, 1);
  });

  test('a scale-down is intentional: its deaths are neither counted nor reported', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec({ replicas: 3 }), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    h.store.deployments.setReplicas(d.id, 1);
    h.rec.wake(d.id);
    await until('one instance', () => h.rt.of(d.id).length === 1);
    await h.rec.whenIdle();
    assert.equal(h.store.deployments.get(d.id)!.restart_count, 0);
    const r = reasons(h, d.id);
    assert.ok(!r.includes('container_died') && !r.includes('container_killed') && !r.includes('container_crashed'), r.join());
    assert.equal(r.filter((x) => x === 'scale_down').length, 2);
  });

  test('a deleted deployment loses every instance, then its row and events', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec({ replicas: 2 }), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    h.store.deployments.setStatus(d.id, 'deleted');
    h.rec.wake(d.id);
    await until('purged', () => h.store.deployments.get(d.id) === undefined);
    assert.equal(h.rt.of(d.id).length, 0);
    assert.equal(h.store.events.list(d.id, { limit: 10 }).length, 0);
  });

  test('wakes coalesce: a burst is one pass, wakes during a pass are exactly one more, lists never overlap', async () => {
    const h = harness();
    h.rt.listDelayMs = 30;
    h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    for (let i = 0; i < 20; i++) h.rec.wake();
    await h.rec.whenIdle();
    const afterBurst = h.rec.passes;
    assert.ok(afterBurst <= 3, `burst took ${afterBurst} passes`); // the pass, the post-create follow-up, at most one more
    const before = h.rec.passes;
    h.rec.wake();
    await until('a pass in progress', () => h.rt.listsInFlight > 0);
    for (let i = 0; i < 10; i++) h.rec.wake('x');
    await h.rec.whenIdle();
    assert.equal(h.rec.passes - before, 2);
    assert.equal(h.rt.maxConcurrentLists, 1);
  });

  test('a job that exits 0 completes and runs exactly once', async () => {
    const h = harness();
    h.rt.exitOnStart = () => 0;
    const d = h.store.deployments.insert(spec({ kind: 'job', name: 'task' }), { status: 'creating' });
    h.rec.start();
    await until('completed', () => statusOf(h, d.id) === 'completed');
    for (let i = 0; i < 5; i++) { h.rec.wake(); await h.rec.whenIdle(); }
    assert.equal(h.rt.created.length, 1);
    assert.equal(h.rt.of(d.id, 'exited').length, 1, 'the job keeps its container');
    assert.equal(h.store.deployments.get(d.id)!.restart_count, 0);
    assert.ok(!reasons(h, d.id).includes('container_died'), 'a clean job exit is not a death');
  });

  test('a job that exits 3 fails without a retry', async () => {
    const h = harness();
    h.rt.exitOnStart = () => 3;
    const d = h.store.deployments.insert(spec({ kind: 'job', name: 'task' }), { status: 'creating' });
    h.rec.start();
    await until('failed', () => statusOf(h, d.id) === 'failed');
    h.rec.wake();
    await h.rec.whenIdle();
    assert.equal(h.rt.created.length, 1);
  });

  test('a failed create becomes its status with the runtime\'s message, then recovers', async () => {
    const h = harness();
    h.rt.createFailures.push(new RuntimeError('image_pull_failed', "Failed to pull image 'img:1': cannot reach the registry"));
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    // First failure: counted, retried at once, succeeds.
    await until('running', () => statusOf(h, d.id) === 'running');
    const events = h.store.events.list(d.id, { limit: 20 }).reverse();
    const pull = events.find((e) => e.reason === 'image_pull_back_off')!;
    assert.equal(pull.component, 'docker');
    assert.equal(pull.level, 'error');
    assert.equal(pull.message, "Failed to pull image 'img:1': cannot reach the registry");
    assert.ok(events.some((e) => e.message === 'Status changed from creating to image_pull_back_off'));
    assert.ok(events.some((e) => e.message === 'Status changed from image_pull_back_off to running (1 containers)'));
    assert.equal(h.store.deployments.get(d.id)!.restart_count, 1);
  });

  test('insufficient_resources is terminal and leaves restart_count alone', async () => {
    const h = harness();
    h.rt.createFailures.push(new RuntimeError('insufficient_resources', "insufficient host memory for 'web': needs 1048576 MiB but only 1 MiB is available"));
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('insufficient_resources', () => statusOf(h, d.id) === 'insufficient_resources');
    h.rec.wake();
    await h.rec.whenIdle();
    assert.equal(h.store.deployments.get(d.id)!.restart_count, 0);
    assert.equal(h.rt.createCalls, 1);
    assert.equal(h.rt.of(d.id).length, 0);
  });

  test('repeated create failures end in crash_loop_back_off with an honest restart_count', async () => {
    const h = harness();
    for (let i = 0; i < 10; i++) h.rt.createFailures.push(new RuntimeError('network_creation_failed', 'no pool'));
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('crash_loop_back_off', () => statusOf(h, d.id) === 'crash_loop_back_off');
    assert.equal(h.store.deployments.get(d.id)!.restart_count, 5);
    assert.equal(h.rt.createCalls, 5);
  });

  test('a missing secret keeps the worker creating with one error event, then resolves', async () => {
    let secret: string | undefined;
    const h = harness({ resolveSecret: (ns, name) => (ns === 'ns' && name === 'db-pass' ? secret : undefined) });
    const d = h.store.deployments.insert(spec({ environment: { PLAIN: 'p', DB_PASS: { secretRef: 'db-pass' } } }), { status: 'creating' });
    h.rec.start();
    await until('an error event', () => reasons(h, d.id).includes('secret_resolution_error'));
    for (let i = 0; i < 3; i++) { h.rec.wake(); await h.rec.whenIdle(); }
    assert.equal(statusOf(h, d.id), 'creating');
    assert.equal(h.rt.createCalls, 0);
    const errs = h.store.events.list(d.id, { limit: 20 }).filter((e) => e.reason === 'secret_resolution_error');
    assert.equal(errs.length, 1, 'reported once, not every pass');
    assert.equal(errs[0]!.message, "Failed to resolve secrets: Secret 'db-pass' not found in namespace 'ns'");
    assert.equal(errs[0]!.component, 'scheduler');
    secret = 's3cr3t';
    h.rec.wake();
    await until('running', () => statusOf(h, d.id) === 'running');
    assert.deepEqual(h.rt.created[0]!.env, { PLAIN: 'p', DB_PASS: 's3cr3t' });
  });

  test('existing labelled instances are adopted, never duplicated', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec({ replicas: 2 }), { status: 'running' });
    h.rt.add({ deploymentId: d.id });
    h.rt.add({ deploymentId: d.id });
    h.rt.add({ deploymentId: 'someone-elses-deployment' });
    h.rec.start();
    for (let i = 0; i < 3; i++) { h.rec.wake(); await h.rec.whenIdle(); }
    assert.equal(h.rt.createCalls, 0);
    assert.equal(h.rt.removed.length, 0, 'nothing of another server is touched');
  });

  test('a pass never plans from a list older than its own last create (no duplicates under fast ticks)', async () => {
    const rt = new FakeRuntime();
    rt.createDelayMs = 40;
    const h = harness({ intervalMs: 5 }, rt);
    const d = h.store.deployments.insert(spec({ replicas: 3 }), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(rt.createCalls, 3);
    assert.equal(rt.of(d.id).length, 3);
  });

  test('an apply longer than the timeout records apply_timeout and never duplicates', async () => {
    const rt = new FakeRuntime();
    rt.createDelayMs = 200;
    const h = harness({ applyTimeoutMs: 50 }, rt);
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('apply_timeout', () => reasons(h, d.id).includes('apply_timeout'));
    const ev = h.store.events.list(d.id, { limit: 10 }).find((e) => e.reason === 'apply_timeout')!;
    assert.equal(ev.level, 'error');
    assert.equal(ev.message, 'Apply timed out after 50ms');
    // The aborted create left nothing behind; once the runtime is fast again it converges to one.
    rt.createDelayMs = 0;
    await until('running', () => statusOf(h, d.id) === 'running');
    await h.rec.whenIdle();
    assert.equal(rt.of(d.id).length, 1);
    assert.equal(h.store.deployments.get(d.id)!.restart_count, 0, 'a timeout is not a crash');
  });

  test('the event stream is re-subscribed when it ends, and crashes still wake the loop', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    assert.equal(h.rt.subscriptions, 1);
    h.rt.endEventStreams();
    await until('re-subscribed', () => h.rt.subscriptions === 2);
    const old = h.rt.of(d.id, 'running')[0]!;
    h.rt.kill(old.id);
    await until('a replacement', () => h.rt.of(d.id, 'running').some((i) => i.id !== old.id));
  });

  test('a deployment on a runtime this server does not run shows the cause once, takes status error, and is purged once deleted', async () => {
    const h = harness({ unavailableRuntimes: new Map([['cloud-hypervisor', "the cloud-hypervisor binary 'cloud-hypervisor' was not found"]]) });
    const d = h.store.deployments.insert(spec({ runtime: 'cloud-hypervisor' }), { status: 'creating' });
    h.rec.start();
    for (let i = 0; i < 3; i++) { h.rec.wake(); await h.rec.whenIdle(); }
    assert.equal(statusOf(h, d.id), 'error');
    const events = h.store.events.list(d.id, { limit: 100 }).filter((e) => e.reason === 'runtime_unavailable');
    assert.equal(events.length, 1, 'said once, not every pass');
    assert.match(events[0]!.message, /Runtime 'cloud-hypervisor' is not available on this server: the cloud-hypervisor binary 'cloud-hypervisor' was not found/);
    assert.equal(h.warnings.filter((w) => w.includes("runtime 'cloud-hypervisor' is not available")).length, 1);
    assert.equal(h.rt.createCalls, 0);

    h.store.deployments.setStatus(d.id, 'deleted');
    h.rec.wake();
    await until('purged', () => h.store.deployments.get(d.id) === undefined);
  });

  test('a runtime no server implements (podman) is named as such', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec({ runtime: 'podman' }), { status: 'creating' });
    h.rec.start();
    await until('error', () => statusOf(h, d.id) === 'error');
    assert.ok(h.store.events.list(d.id, { limit: 100 }).some((e) => /no 'podman' runtime is implemented by this server/.test(e.message)));
  });

  test('every status change reaches the onStatusChange hook', async () => {
    const changes: string[] = [];
    const h = harness({ onStatusChange: (c) => void changes.push(`${c.from}→${c.to}`) });
    h.rt.exitOnStart = () => 0;
    h.store.deployments.insert(spec({ kind: 'job', name: 'task' }), { status: 'pending' });
    h.rec.start();
    await until('completed', () => changes.includes('creating→completed') || changes.includes('running→completed'));
    assert.equal(changes[0], 'pending→creating');
  });

  test('a replacement publishing a host port waits for the deployment it replaces to be purged', async () => {
    const rt = new FakeRuntime();
    const h = harness({}, rt);
    const old = h.store.deployments.insert(spec({ ports: [{ published: 8080, target: 80 }] }), { status: 'creating' });
    h.rec.start();
    await until('old running', () => statusOf(h, old.id) === 'running');
    rt.createDelayMs = 0;
    const oldInstance = rt.of(old.id)[0]!;
    // The API replaces it: old → deleted, new row created.
    h.store.deployments.setStatus(old.id, 'deleted');
    const fresh = h.store.deployments.insert(spec({ ports: [{ published: 8080, target: 80 }] }), { status: 'creating' });
    const order: string[] = [];
    const origRemove = rt.remove.bind(rt);
    rt.remove = async (id) => { order.push(`remove ${id === oldInstance.id ? 'old' : id}`); return origRemove(id); };
    const origCreate = rt.create.bind(rt);
    rt.create = async (s, sig) => { order.push(`create ${s.deploymentId === fresh.id ? 'new' : s.deploymentId}`); return origCreate(s, sig); };
    h.rec.wake();
    await until('new running', () => statusOf(h, fresh.id) === 'running');
    assert.deepEqual(order, ['remove old', 'create new']);
    assert.equal(h.store.deployments.get(old.id), undefined);
  });
});

// Shutdown (RING.md "Shutdown"): stop() waits for work in flight up to its grace; what runs past it
// is cut and records nothing, since the server closes ring.db right after stop() returns.
describe('Reconciler.stop() with work in flight past the grace', () => {
  const snapshot = (h: Harness, id: string) => JSON.stringify({ row: h.store.deployments.get(id) ?? null, events: h.store.events.list(id, { limit: 100 }) });

  test('a create still running is aborted, and its end writes nothing', async () => {
    const rt = new FakeRuntime();
    rt.createDelayMs = 400;
    const h = harness({ stopGraceMs: 50 }, rt);
    const d = h.store.deployments.insert(spec(), { status: 'creating' });
    h.rec.start();
    await until('a create in flight', () => rt.createCalls === 1);
    const t0 = Date.now();
    await h.rec.stop();
    assert.ok(Date.now() - t0 < 1000, `stop took ${Date.now() - t0} ms`);
    const atStop = snapshot(h, d.id);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(snapshot(h, d.id), atStop, 'nothing was recorded after stop()');
    assert.equal(rt.created.length, 0, 'the create was cut by the stop');
  });

  test('a removal that ignores the abort ends after stop(): no event, no purge', async () => {
    const rt = new FakeRuntime();
    const h = harness({ stopGraceMs: 50 }, rt);
    const d = h.store.deployments.insert(spec(), { status: 'running' });
    rt.add({ deploymentId: d.id });
    h.store.deployments.setStatus(d.id, 'deleted');
    rt.removeDelayMs = 400; // remove() takes no signal, as a Docker stop within its grace period
    h.rec.start();
    await until('a removal in flight', () => rt.removed.length === 1);
    await h.rec.stop();
    const atStop = snapshot(h, d.id);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(rt.instances.size, 0, 'the removal itself completed');
    assert.equal(snapshot(h, d.id), atStop, 'nothing was recorded after stop()');
    assert.ok(h.store.deployments.get(d.id), 'the row is purged by the next server, not after stop()');
  });
});
