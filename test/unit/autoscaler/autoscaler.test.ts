// The autoscaler's pass reads its candidates again only when a deployment row may have changed
// (an idle server's ticks decoded every running row for nothing); every change must still be seen
// by the next pass.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createStore, openDatabase } from '../../../src/store/index.js';
import { applyDeploymentDefaults } from '../../../src/domain/validate-deployment.js';
import { Autoscaler } from '../../../src/autoscaler/autoscaler.js';

function setup() {
  const store = createStore(openDatabase(':memory:'));
  store.namespaces.ensure('ns');
  let lists = 0;
  const list = store.deployments.list.bind(store.deployments);
  store.deployments.list = (f) => { lists++; return list(f); };
  const woken: string[] = [];
  const autoscaler = new Autoscaler({
    store, intervalMs: 1000, wake: (id) => woken.push(id), now: () => 1_000_000,
    stats: { snapshot: () => ({ lastRefreshSeconds: 0, deployments: [] }) },
  });
  const add = (name: string, autoscale?: { min: number; max: number; target_cpu: number }) =>
    store.deployments.insert(applyDeploymentDefaults({ name, namespace: 'ns', runtime: 'docker', image: 'busybox:1', replicas: 1,
      ...(autoscale ? { autoscale } : {}) } as never), { status: 'running' });
  return { store, autoscaler, add, woken, lists: () => lists };
}

describe('autoscaler pass', () => {
  test('an unchanged store is not read again', () => {
    const { autoscaler, add, lists } = setup();
    for (let i = 0; i < 5; i++) add(`w${i}`);
    autoscaler.pass();
    const after = lists();
    assert.ok(after > 0);
    autoscaler.pass();
    autoscaler.pass();
    assert.equal(lists(), after, 'no deployment list while nothing changed');
  });

  test('a deployment that starts autoscaling is acted on by the next pass, and its decision is seen after', () => {
    const { store, autoscaler, add, woken } = setup();
    add('plain');
    assert.equal(autoscaler.pass().size, 0);
    // Below its minimum: clamped at once, no stats needed.
    const d = add('scaled', { min: 3, max: 5, target_cpu: 50 });
    const taken = autoscaler.pass();
    assert.equal(taken.get(d.id)?.kind, 'scale');
    assert.equal(store.deployments.get(d.id)!.desired_replicas, 3);
    assert.deepEqual(woken, [d.id]);
    // The next pass reads the new target (3, within [3, 5]): nothing more to do.
    assert.equal(autoscaler.pass().size, 0);
    // A status change takes it out of the candidates.
    store.deployments.setDesiredReplicas(d.id, 1);
    store.deployments.setStatus(d.id, 'failed');
    assert.equal(autoscaler.pass().size, 0);
  });
});
