// RING_APPLY_TIMEOUT bounds an apply's runtime work, not its wait in the create queue (Slots):
// with hundreds of deployments applied at once, creates that merely waited for a slot timed out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import { Executor } from '../../../src/reconciler/execute.js';
import { createStore, openDatabase } from '../../../src/store/index.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';

function spec(name: string): DeploymentSpec {
  return {
    name, namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 1, command: [],
    environment: {}, labels: {}, ports: [], volumes: [], config: { image_pull_policy: 'IfNotPresent' }, health_checks: [],
  };
}

function setup(opts: { createDelayMs: number; applyTimeoutMs: number; count: number }) {
  const store = createStore(openDatabase(':memory:'));
  const rt = new FakeRuntime();
  rt.createDelayMs = opts.createDelayMs;
  const executor = new Executor({ store, applyTimeoutMs: opts.applyTimeoutMs, createConcurrency: 1, livenessConfirmMs: 0 });
  const rows = Array.from({ length: opts.count }, (_, i) => store.deployments.insert(spec(`w${i}`), { status: 'creating' }));
  const timeouts = () => rows.filter((d) => store.events.list(d.id, { limit: 50 }).some((e) => e.reason === 'apply_timeout')).length;
  return { store, rt, executor, rows, timeouts };
}

describe('apply timeout and the create queue', () => {
  test('creates queued behind one slot do not time out while they wait (each create is well within the timeout)', async () => {
    // One slot, 80 ms a create, 200 ms timeout: the fourth waits ~240 ms before its create starts.
    const { rt, executor, rows, timeouts } = setup({ createDelayMs: 80, applyTimeoutMs: 200, count: 4 });
    const outcomes = await Promise.all(rows.map((d) => executor.reconcile(d, [], rt)));
    assert.deepEqual(outcomes.map((o) => o.timedOut), [false, false, false, false]);
    assert.equal(timeouts(), 0, 'no apply_timeout event');
    assert.equal(rt.createCalls, 4);
    for (const d of rows) assert.equal(rt.of(d.id).length, 1, 'every queued create ran once');
  });

  test('a create that itself outlasts the timeout still times out, queued or not', async () => {
    // 150 ms a create, 100 ms timeout: both time out in their own create, the second after waiting.
    const { rt, executor, rows, timeouts } = setup({ createDelayMs: 150, applyTimeoutMs: 100, count: 2 });
    const outcomes = await Promise.all(rows.map((d) => executor.reconcile(d, [], rt)));
    assert.deepEqual(outcomes.map((o) => o.timedOut), [true, true]);
    assert.equal(timeouts(), 2);
  });
});
