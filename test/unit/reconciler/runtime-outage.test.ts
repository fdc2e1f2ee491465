// The pure decisions of a runtime outage, and the loop carrying them out over an in-memory runtime
// whose list() can be made to fail (a stopped daemon) while its instances die (the daemon's
// shutdown stops them).
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import { lostWithRuntime, outageWrite } from '../../../src/reconciler/runtime-outage.js';
import { Reconciler } from '../../../src/reconciler/loop.js';
import { RuntimeError, type Instance } from '../../../src/runtime/runtime.js';
import { createStore, openDatabase } from '../../../src/store/index.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { NOW, exited, job, running, worker } from './builders.js';

describe('outageWrite', () => {
  const cases: [string, Parameters<typeof outageWrite>[0], string | undefined, boolean][] = [
    ['a running worker turns error', worker({ status: 'running' }), 'error', true],
    ['a creating worker turns error', worker({ status: 'creating' }), 'error', true],
    ['a worker already in error only gets the event', worker({ status: 'error' }), undefined, true],
    ['a worker in image_pull_back_off turns error', worker({ status: 'image_pull_back_off' }), 'error', true],
    ['a running job keeps its status (error would start it again)', job({ status: 'running' }), undefined, true],
    ['a deleted deployment says nothing', worker({ status: 'deleted' }), undefined, false],
    ['a terminal one says nothing', worker({ status: 'crash_loop_back_off' }), undefined, false],
  ];
  for (const [name, d, status, writes] of cases) {
    test(name, () => {
      const w = outageWrite(d, 'docker', 'connect ENOENT /run/docker.sock');
      assert.equal(w !== null, writes);
      if (!w) return;
      assert.equal(w.status, status);
      assert.equal(w.event.reason, 'runtime_unavailable');
      assert.match(w.event.message, /connect ENOENT \/run\/docker\.sock/);
    });
  }
});

describe('lostWithRuntime', () => {
  const lastGoodListAt = NOW - 5_000;
  test('instances that ended after the last good list went down with the runtime', () => {
    const instances: Instance[] = [
      running('up'),
      exited('during', 137, { finishedAgo: 1_000 }),
      exited('before', 1, { finishedAgo: 60_000 }),
      { ...exited('unknown', 137), finishedAt: null },
      { ...exited('dead', 137, { finishedAgo: 10 }), state: 'dead' },
    ];
    assert.deepEqual(lostWithRuntime(instances, { lastGoodListAt }).map((i) => i.id), ['during', 'unknown', 'dead']);
  });
});

class StoppableRuntime extends FakeRuntime {
  down = false;
  override async list(): Promise<Instance[]> {
    if (this.down) throw new RuntimeError('runtime_error', 'Failed to list containers: connect ENOENT /var/run/docker.sock');
    return super.list();
  }
}

const open: Reconciler[] = [];
afterEach(async () => { while (open.length) await open.pop()!.stop(); });

async function until(what: string, fn: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function spec(over: Partial<DeploymentSpec> = {}): DeploymentSpec {
  return {
    name: 'web', namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 2, command: [],
    environment: {}, labels: {}, ports: [], volumes: [], config: { image_pull_policy: 'IfNotPresent' }, health_checks: [],
    ...over,
  };
}

describe('Reconciler over a runtime outage', () => {
  test('reports the outage once, then replaces what it stopped without counting a restart', async () => {
    const store = createStore(openDatabase(':memory:'));
    const rt = new StoppableRuntime();
    const changes: string[] = [];
    const rec = new Reconciler({
      store, runtimes: new Map([['docker', rt]]), intervalMs: 20, applyTimeoutMs: 5000, livenessConfirmMs: 0, resubscribeMs: 20,
      onStatusChange: (c) => void changes.push(`${c.from}→${c.to}`),
    });
    open.push(rec);
    const d = store.deployments.insert(spec(), { status: 'creating' });
    rec.start();
    await until('running', () => store.deployments.get(d.id)?.status === 'running');

    rt.down = true;
    await until('error', () => store.deployments.get(d.id)?.status === 'error');
    // The daemon's shutdown stops every container while list() cannot see it.
    for (const i of rt.of(d.id, 'running')) rt.exit(i.id, 137);
    await new Promise((r) => setTimeout(r, 100)); // several failing passes: still one report
    const reasons = () => store.events.list(d.id, { limit: 100 }).map((e) => e.reason);
    assert.equal(reasons().filter((r) => r === 'runtime_unavailable').length, 1);

    rt.down = false;
    await until('running again with 2 new instances', () => store.deployments.get(d.id)?.status === 'running' && rt.of(d.id, 'running').length === 2);
    const row = store.deployments.get(d.id)!;
    assert.equal(row.restart_count, 0, 'stopped by the outage, not crashed');
    assert.equal(reasons().filter((r) => r === 'instance_lost_with_runtime').length, 2);
    assert.ok(reasons().includes('runtime_available'));
    assert.ok(!reasons().includes('container_crashed'), reasons().join(', '));
    assert.deepEqual(changes, ['creating→running', 'running→error', 'error→running']);
  });

  test('a crash after the runtime is back counts as usual', async () => {
    const store = createStore(openDatabase(':memory:'));
    const rt = new StoppableRuntime();
    const rec = new Reconciler({ store, runtimes: new Map([['docker', rt]]), intervalMs: 20, applyTimeoutMs: 5000, livenessConfirmMs: 0, resubscribeMs: 20 });
    open.push(rec);
    const d = store.deployments.insert(spec({ replicas: 1 }), { status: 'creating' });
    rec.start();
    await until('running', () => store.deployments.get(d.id)?.status === 'running');
    rt.down = true;
    await until('error', () => store.deployments.get(d.id)?.status === 'error');
    rt.down = false;
    await until('running', () => store.deployments.get(d.id)?.status === 'running');
    rt.exit(rt.of(d.id, 'running')[0]!.id, 1);
    await until('counted', () => store.deployments.get(d.id)?.restart_count === 1);
  });
});
