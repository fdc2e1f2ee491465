// The health prober inside the loop, over the in-memory runtime (command probes answered by the
// test) and a real SQLite store: counters per declared check, each on_failure action, the
// record-only boot phase, start_period, the readiness gate and rolling updates end to end.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { DeploymentSpec, HealthCheckSpec } from '../../../src/domain/deployment.js';
import type { Status } from '../../../src/domain/status.js';
import { Reconciler, type ReconcilerDeps } from '../../../src/reconciler/loop.js';
import type { NewEvent } from '../../../src/store/events.js';
import { createStore, openDatabase, type Store } from '../../../src/store/index.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { RETENTION_PER_DEPLOYMENT } from '../../../src/store/health-checks.js';
import { TRIM_EVERY_RESULTS } from '../../../src/reconciler/health.js';
import { until } from '../../helpers/until.js';

function spec(over: Partial<DeploymentSpec> = {}): DeploymentSpec {
  return {
    name: 'web', namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 1, command: [],
    environment: {}, labels: {}, ports: [], volumes: [], config: { image_pull_policy: 'IfNotPresent' }, health_checks: [],
    ...over,
  };
}

/** A command check answered by `answers` (the command text → exit code). */
function cmd(command: string, over: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return { type: 'command', command, interval: '30ms', timeout: '500ms', threshold: 2, on_failure: 'alert', ...over };
}

interface Harness {
  store: Store; rt: FakeRuntime; rec: Reconciler;
  /** Exit code per command (default 0). */
  answers: Map<string, number>;
  /** Every event written through the hooks, by deployment id (survives a purge). */
  seen: { id: string; e: NewEvent }[];
  transitions: { id: string; from: Status; to: Status }[];
}
const open: Reconciler[] = [];
/** Probes run per runtime (command checks are execs). */
const execs = new WeakMap<FakeRuntime, number>();
const probes = (h: Harness): number => execs.get(h.rt) ?? 0;

function harness(over: Partial<ReconcilerDeps> = {}): Harness {
  const store = createStore(openDatabase(':memory:'));
  const rt = new FakeRuntime();
  const answers = new Map<string, number>();
  Object.assign(rt, { exec: async (_id: string, argv: string[]) => { execs.set(rt, (execs.get(rt) ?? 0) + 1); return { exitCode: answers.get(argv.join(' ')) ?? 0, output: '' }; } });
  const seen: Harness['seen'] = [];
  const transitions: Harness['transitions'] = [];
  const rec = new Reconciler({
    store, runtimes: new Map([['docker', rt]]), intervalMs: 60_000, applyTimeoutMs: 5000, livenessConfirmMs: 0,
    onDeploymentEvent: (d, e) => void seen.push({ id: d.id, e }),
    onStatusChange: (c) => void transitions.push({ id: c.deployment.id, from: c.from, to: c.to }),
    ...over,
  });
  open.push(rec);
  return { store, rt, rec, answers, seen, transitions };
}

afterEach(async () => {
  while (open.length) await open.pop()!.stop();
});


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statusOf = (h: Harness, id: string): Status | undefined => h.store.deployments.get(id)?.status;
const reasonsOf = (h: Harness, id: string): string[] => h.seen.filter((s) => s.id === id).map((s) => s.e.reason);
const rows = (h: Harness, id: string) => h.store.healthChecks.list(id, { limit: 1000 });

describe('health checks in the loop', () => {
  test('alert fires once per threshold failures, then the counter starts over; nothing else changes', async () => {
    const h = harness();
    h.answers.set('probe-a', 1);
    const d = h.store.deployments.insert(spec({ health_checks: [cmd('probe-a')] }), { status: 'creating' });
    h.rec.start();
    await until('two alerts', () => reasonsOf(h, d.id).filter((r) => r === 'health_check_alert').length >= 2);
    const failed = rows(h, d.id).filter((r) => r.status === 'failed');
    assert.ok(failed.length >= 4, `${failed.length} failed results for 2 alerts at threshold 2`);
    assert.equal(failed[0]!.message, 'Command exited 1');
    const alert = h.store.events.list(d.id, { limit: 100 }).find((e) => e.reason === 'health_check_alert')!;
    assert.equal(alert.level, 'error');
    assert.equal(alert.component, 'health_checker');
    const inst = h.rt.of(d.id, 'running')[0]!;
    assert.equal(alert.message, `Health check failed for instance ${inst.id.slice(0, 12)}: Command exited 1`);
    assert.equal(statusOf(h, d.id), 'running');
    assert.equal(h.rt.removed.length, 0);
    assert.equal(h.store.deployments.get(d.id)!.restart_count, 0);
  });

  test('counters are per declared check: a passing check of the same type does not reset a failing one', async () => {
    const h = harness();
    h.answers.set('probe-a', 1);
    const d = h.store.deployments.insert(spec({ health_checks: [cmd('probe-a'), cmd('probe-b')] }), { status: 'creating' });
    h.rec.start();
    await until('an alert', () => reasonsOf(h, d.id).includes('health_check_alert'));
    const all = rows(h, d.id);
    assert.ok(all.some((r) => r.check_index === 1 && r.status === 'success'));
    assert.ok(all.every((r) => (r.check_index === 0) === (r.status === 'failed')));
    const latest = h.store.healthChecks.list(d.id, { limit: 100, latest: true });
    assert.deepEqual(latest.map((r) => r.check_index).sort(), [0, 1], 'latest = the newest result of each declared check');
  });

  test('restart removes the instance on purpose: the loop replaces it without counting a crash', async () => {
    const h = harness();
    h.answers.set('probe-a', 1);
    const d = h.store.deployments.insert(spec({ health_checks: [cmd('probe-a', { on_failure: 'restart' })] }), { status: 'creating' });
    h.rec.start();
    const first = await until('an instance', () => h.rt.of(d.id, 'running')[0]);
    await until('the instance replaced', () => h.rt.removed.includes(first.id) && h.rt.of(d.id, 'running').some((i) => i.id !== first.id));
    h.answers.set('probe-a', 0);
    await sleep(100);
    await h.rec.whenIdle();
    const row = h.store.deployments.get(d.id)!;
    assert.equal(row.restart_count, 0);
    assert.equal(row.status, 'running');
    const r = h.store.events.list(d.id, { limit: 100 }).map((e) => e.reason);
    assert.ok(r.includes('health_check_instance_restart'), r.join());
    assert.ok(!r.includes('container_crashed') && !r.includes('container_died'), r.join());
    const ev = h.store.events.list(d.id, { limit: 100 }).find((e) => e.reason === 'health_check_instance_restart')!;
    assert.equal(ev.level, 'warning');
    assert.equal(ev.message, `Health check failed for instance ${first.id.slice(0, 12)} (Command exited 1), triggering instance restart`);
  });

  test('stop marks the deployment deleted; the loop tears it down', async () => {
    const h = harness();
    h.answers.set('probe-a', 1);
    const d = h.store.deployments.insert(spec({ replicas: 2, health_checks: [cmd('probe-a', { on_failure: 'stop' })] }), { status: 'creating' });
    h.rec.start();
    await until('purged', () => h.store.deployments.get(d.id) === undefined);
    assert.equal(h.rt.of(d.id).length, 0);
    const r = reasonsOf(h, d.id);
    assert.equal(r.filter((x) => x === 'health_check_stop').length, 1, r.join());
    assert.ok(h.transitions.some((t) => t.id === d.id && t.from === 'running' && t.to === 'deleted'));
    assert.equal(h.seen.find((s) => s.e.reason === 'health_check_stop')!.e.level, 'warning');
  });

  test('while creating only readiness checks run, record-only: a red readiness check fires nothing', async () => {
    const h = harness();
    h.answers.set('ready', 1);
    const d = h.store.deployments.insert(spec({
      health_checks: [cmd('ready', { readiness: true, on_failure: 'restart', threshold: 1 }), cmd('live', { threshold: 1 })],
    }), { status: 'creating' });
    h.rec.start();
    await until('a few readiness results', () => rows(h, d.id).length >= 5);
    await sleep(100);
    assert.equal(statusOf(h, d.id), 'creating');
    assert.ok(rows(h, d.id).every((r) => r.check_index === 0 && r.status === 'failed'), 'the liveness check does not run yet');
    assert.equal(h.rt.removed.length, 0);
    assert.ok(!reasonsOf(h, d.id).some((r) => r.startsWith('health_check_')));
  });

  test('the gate opens only after every readiness check has been green for min_healthy_time', async () => {
    const h = harness();
    h.answers.set('ready', 1);
    const d = h.store.deployments.insert(spec({
      replicas: 2, health_checks: [cmd('ready', { readiness: true, min_healthy_time: '300ms' })],
    }), { status: 'creating' });
    h.rec.start();
    await until('readiness results', () => rows(h, d.id).length >= 4);
    assert.equal(statusOf(h, d.id), 'creating');
    const green = Date.now();
    h.answers.set('ready', 0);
    await until('running', () => statusOf(h, d.id) === 'running');
    const waited = Date.now() - green;
    // Only the lower bound is behaviour; how soon after the window it opens is the machine's speed.
    assert.ok(waited >= 300, `running after ${waited} ms of green, window 300 ms`);
  });

  test('start_period: failures inside it are recorded but not counted', async () => {
    const h = harness();
    h.answers.set('live', 1);
    const d = h.store.deployments.insert(spec({ health_checks: [cmd('live', { threshold: 1, on_failure: 'restart', start_period: '1m' })] }), { status: 'creating' });
    h.rec.start();
    await until('failures recorded', () => rows(h, d.id).filter((r) => r.status === 'failed').length >= 5);
    assert.equal(h.rt.removed.length, 0);
    assert.ok(!reasonsOf(h, d.id).includes('health_check_instance_restart'));
  });

  test('a busy check\'s history is trimmed as it grows: never more than 50 + TRIM_EVERY_RESULTS rows', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec({ health_checks: [cmd('probe-fast', { interval: '10ms' })] }), { status: 'creating' });
    h.rec.start();
    let most = 0;
    await until('300 results recorded', () => {
      most = Math.max(most, rows(h, d.id).length);
      return most >= RETENTION_PER_DEPLOYMENT && probes(h) >= 300;
    }, 20_000);
    assert.ok(most <= RETENTION_PER_DEPLOYMENT + TRIM_EVERY_RESULTS, `${most} rows held at once`);
    assert.ok(rows(h, d.id).length >= RETENTION_PER_DEPLOYMENT, 'the newest 50 are kept');
  });

  test('interval is honoured per check, not by the tick', async () => {
    const h = harness();
    const d = h.store.deployments.insert(spec({ health_checks: [cmd('fast', { interval: '40ms' }), cmd('slow', { interval: '400ms' })] }), { status: 'creating' });
    h.rec.start();
    await until('running', () => statusOf(h, d.id) === 'running');
    await sleep(1000);
    const all = rows(h, d.id);
    const fast = all.filter((r) => r.check_index === 0).length;
    const slow = all.filter((r) => r.check_index === 1).length;
    assert.ok(fast >= 10 && fast <= 30, `fast check ran ${fast} times in ~1 s at 40 ms`);
    assert.ok(slow >= 2 && slow <= 4, `slow check ran ${slow} times in ~1 s at 400 ms`);
    assert.ok(fast >= 4 * slow, `each check keeps its own cadence (${fast} vs ${slow})`);
  });
});

describe('rolling updates in the loop', () => {
  const readiness = cmd('ready', { readiness: true, min_healthy_time: '100ms' });

  test('the parent drains one instance per ready pass, never regrows, and hands over to the child', async () => {
    const h = harness();
    const parent = h.store.deployments.insert(spec({ replicas: 3, health_checks: [readiness] }), { status: 'creating' });
    h.rec.start();
    await until('parent running', () => statusOf(h, parent.id) === 'running' && h.rt.of(parent.id, 'running').length === 3);
    const parentCreates = h.rt.created.filter((s) => s.deploymentId === parent.id).length;
    const child = h.store.deployments.insert(spec({ image: 'img:2', replicas: 3, health_checks: [readiness] }), { status: 'creating', parentId: parent.id });
    h.rec.wake();
    await until('parent purged', () => h.store.deployments.get(parent.id) === undefined);
    const c = h.store.deployments.get(child.id)!;
    assert.equal(c.status, 'running');
    assert.equal(c.parent_id, null, 'the child is now the active deployment');
    assert.equal(h.rt.of(child.id, 'running').length, 3);
    assert.equal(h.rt.of(parent.id).length, 0);
    assert.equal(h.rt.created.filter((s) => s.deploymentId === parent.id).length, parentCreates, 'the parent never regrew');
    const r = h.store.events.list(child.id, { limit: 100 }).map((e) => e.reason).reverse();
    assert.equal(r.filter((x) => x === 'rolling_update_step').length, 3);
    assert.equal(r.at(-1), 'rolling_update_complete');
    assert.ok(r.indexOf('state_transition') < r.indexOf('rolling_update_step'), 'nothing drained before the child was running');
    assert.equal(h.store.deployments.get(child.id)!.restart_count, 0);
  });

  test('a child that is never ready fails at the deadline, stops serving (kept for its logs), and the parent keeps serving', async () => {
    const h = harness({ rolloutDeadlineMs: 400 });
    const parent = h.store.deployments.insert(spec({ replicas: 2 }), { status: 'creating' });
    h.rec.start();
    await until('parent running', () => statusOf(h, parent.id) === 'running');
    const before = h.rt.of(parent.id, 'running').map((i) => i.id).sort();
    h.answers.set('never', 1);
    const child = h.store.deployments.insert(spec({ image: 'img:2', replicas: 2, health_checks: [cmd('never', { readiness: true })] }), { status: 'creating', parentId: parent.id });
    h.rec.wake();
    await until('child failed', () => statusOf(h, child.id) === 'failed');
    await h.rec.whenIdle();
    assert.equal(statusOf(h, parent.id), 'running');
    assert.deepEqual(h.rt.of(parent.id, 'running').map((i) => i.id).sort(), before, 'no parent instance was drained');
    const failed = h.store.events.list(child.id, { limit: 100 }).filter((e) => e.reason === 'rolling_update_failed');
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.message, new RegExp(`deployment ${parent.id} keeps serving$`));
    assert.equal(h.store.deployments.get(child.id)!.parent_id, parent.id);
    // The failed child serves nothing any more: its instances are stopped, not removed.
    await until('child instances stopped', () => h.rt.of(child.id, 'running').length === 0);
    await h.rec.whenIdle();
    assert.equal(h.rt.of(child.id, 'exited').length, 2, 'kept, so their logs stay readable');
    assert.equal(h.rt.removed.filter((id) => h.rt.stopped.includes(id)).length, 0);
    const childReasons = h.store.events.list(child.id, { limit: 100 }).map((e) => e.reason);
    assert.equal(childReasons.filter((x) => x === 'rollout_instance_stopped').length, 2);
    assert.ok(!childReasons.includes('container_died'), 'our own stop is not reported as a death');
    assert.equal(statusOf(h, child.id), 'failed');
    assert.deepEqual(h.rt.of(parent.id, 'running').map((i) => i.id).sort(), before, 'the parent is untouched');
    assert.equal(h.rt.stopped.length, 2);

    // A fixed apply supersedes the failed child and rolls from the same parent (its start_period
    // lifts its deadline far above the 400 ms one, so a busy machine cannot fail it).
    h.answers.set('fixed', 0);
    h.store.deployments.setStatus(child.id, 'deleted');
    const fixed = h.store.deployments.insert(spec({ image: 'img:3', replicas: 2, health_checks: [cmd('fixed', { readiness: true, min_healthy_time: '10ms', start_period: '60s' })] }),
      { status: 'creating', parentId: parent.id });
    h.rec.wake();
    await until('parent purged', () => h.store.deployments.get(parent.id) === undefined);
    await until('failed child purged', () => h.store.deployments.get(child.id) === undefined);
    assert.equal(statusOf(h, fixed.id), 'running');
    assert.equal(h.rt.of(child.id).length, 0, 'the purge removed the stopped instances');
  });

  test('a parent with a crashed instance during the rollout does not replace it', async () => {
    const h = harness();
    const parent = h.store.deployments.insert(spec({ replicas: 2 }), { status: 'creating' });
    h.rec.start();
    await until('parent running', () => statusOf(h, parent.id) === 'running');
    h.answers.set('slow-ready', 1);
    h.store.deployments.insert(spec({ image: 'img:2', health_checks: [cmd('slow-ready', { readiness: true })] }), { status: 'creating', parentId: parent.id });
    h.rec.wake();
    await sleep(100);
    const victim = h.rt.of(parent.id, 'running')[0]!;
    h.rt.kill(victim.id);
    await sleep(200);
    await h.rec.whenIdle();
    assert.equal(h.rt.of(parent.id, 'running').length, 1, 'frozen: the parent did not regrow');
  });
});
