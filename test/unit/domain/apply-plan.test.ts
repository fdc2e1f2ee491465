// The apply-time decision (RING §5.8, issue 12): unchanged, scale in place, rolling update, replacement.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import { outcomeOf, planApply, specChanges, specOf } from '../../../src/domain/apply-plan.js';
import { worker } from '../reconciler/builders.js';

const spec = (over: Partial<DeploymentSpec> = {}): DeploymentSpec => ({
  name: 'web', namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:2', replicas: 2, command: [], environment: {},
  labels: {}, ports: [], volumes: [], config: {},
  health_checks: [{ type: 'tcp', port: 80, interval: '1s', timeout: '1s', readiness: true }], ...over,
});

function reason(p: ReturnType<typeof planApply>): string {
  return p.kind === 'replace' ? p.reason : p.kind;
}

describe('planApply', () => {
  const parent = worker({ id: 'p1', status: 'running' });

  test('nothing active: a plain create', () => {
    assert.equal(planApply([], spec(), false).kind, 'create');
  });

  test('one running worker and a new spec with a health check: rolling update', () => {
    const p = planApply([parent], spec(), false);
    assert.ok(p.kind === 'rolling');
    assert.equal(p.parent.id, 'p1');
    assert.deepEqual(p.superseded, []);
  });

  test('a rollout in progress (or failed) is superseded by the new child, still rolling from the same parent', () => {
    const child = worker({ id: 'c1', status: 'creating', parent_id: 'p1' });
    const failed = worker({ id: 'c0', status: 'failed', parent_id: 'p1' });
    const p = planApply([parent, failed, child], spec(), false);
    assert.ok(p.kind === 'rolling');
    assert.equal(p.parent.id, 'p1');
    assert.deepEqual(p.superseded.map((d) => d.id), ['c0', 'c1']);
  });

  test('each reason for an immediate replacement is named', () => {
    assert.equal(reason(planApply([parent], spec(), true)), 'force=true');
    assert.equal(reason(planApply([parent], spec({ health_checks: [] }), false)), 'no health checks are declared');
    assert.equal(reason(planApply([parent], spec({ ports: [{ published: 8080, target: 80 }] }), false)), 'it publishes a host port');
    assert.equal(reason(planApply([parent, worker({ id: 'p2' })], spec(), false)), 'more than one active deployment shares this name');
    assert.equal(reason(planApply([parent], spec({ kind: 'job' }), false)), 'jobs are replaced, not rolled');
    assert.match(reason(planApply([worker({ id: 'p1', status: 'crash_loop_back_off' })], spec(), false)), /p1 is crash_loop_back_off/);
  });

  test('a replacement takes every active row, children included', () => {
    const child = worker({ id: 'c1', status: 'creating', parent_id: 'p1' });
    const p = planApply([parent, child], spec(), true);
    assert.ok(p.kind === 'replace');
    assert.deepEqual(p.replaced.map((d) => d.id), ['p1', 'c1']);
  });

  test('an unpublished port (published 0) does not prevent a rolling update', () => {
    assert.equal(planApply([parent], spec({ ports: [{ published: 0, target: 80 }] }), false).kind, 'rolling');
  });
});

describe('planApply: re-applying what already runs', () => {
  const hc = [{ type: 'tcp' as const, port: 80, interval: '1s', timeout: '1s', readiness: true }];
  const live = (over: Parameters<typeof worker>[0] = {}) => worker({ id: 'd1', image: 'img:2', replicas: 2, health_checks: hc, ...over });
  const same = () => spec();

  test('an identical spec is unchanged for a pending, creating or running deployment', () => {
    for (const status of ['pending', 'creating', 'running'] as const) {
      const p = planApply([live({ status })], same());
      assert.ok(p.kind === 'unchanged', status);
      assert.equal(p.deployment.id, 'd1');
    }
  });

  test('key order, defaults filled in on one side and empty maps do not count as changes', () => {
    const stored = live({ labels: {}, environment: {} });
    const reordered = Object.fromEntries(Object.entries(same()).reverse()) as ReturnType<typeof spec>;
    assert.equal(planApply([stored], reordered).kind, 'unchanged');
    assert.deepEqual(specChanges({ a: 1, labels: {} }, { a: 1 }), []);
    assert.deepEqual(specChanges({ cfg: { x: undefined } }, { cfg: {} }), []);
  });

  test('secrets compare by reference: the same secretRef is no change, another one is', () => {
    const stored = live({ environment: { DB: { secretRef: 'db' } } });
    assert.equal(planApply([stored], spec({ environment: { DB: { secretRef: 'db' } } })).kind, 'unchanged');
    assert.equal(planApply([stored], spec({ environment: { DB: { secretRef: 'db2' } } })).kind, 'rolling');
  });

  test('only replicas differs: scale the same deployment in place, with or without health checks', () => {
    const p = planApply([live()], spec({ replicas: 3 }));
    assert.ok(p.kind === 'scale');
    assert.deepEqual([p.deployment.id, p.from, p.to], ['d1', 2, 3]);
    const plain = worker({ id: 'd2', image: 'img:2', replicas: 2 });
    const q = planApply([plain], spec({ replicas: 1, health_checks: [] }));
    assert.ok(q.kind === 'scale');
    assert.equal(outcomeOf(q), 'scaled');
  });

  test('a change to what the containers run rolls (or replaces) as before', () => {
    for (const over of [{ image: 'img:3' }, { command: ['sh'] }, { environment: { A: '1' } }, { config: { user: { id: 1000 } } },
      { health_checks: [{ ...hc[0]!, port: 81 }] }, { replicas: 3, image: 'img:3' }]) {
      assert.equal(planApply([live()], spec(over)).kind, 'rolling', JSON.stringify(over));
    }
    assert.equal(planApply([worker({ id: 'd2', image: 'img:2', replicas: 2 })], spec({ image: 'img:3', health_checks: [] })).kind, 'replace');
  });

  test('any failure status is retried by a re-apply, never answered unchanged (Ring recovers by re-applying)', () => {
    for (const status of ['failed', 'crash_loop_back_off', 'insufficient_resources', 'image_pull_back_off', 'config_error', 'completed'] as const) {
      const p = planApply([live({ status })], same());
      assert.ok(p.kind === 'replace' || p.kind === 'rolling', `${status}: ${p.kind}`);
    }
  });

  test('a failed rolling child is compared, not its serving parent: the same spec rolls again', () => {
    const parent2 = worker({ id: 'p1', image: 'img:1', replicas: 2, health_checks: hc });
    const failedChild = live({ id: 'c1', status: 'failed', parent_id: 'p1' });
    const p = planApply([parent2, failedChild], same());
    assert.ok(p.kind === 'rolling');
    assert.equal(p.parent.id, 'p1');
    assert.deepEqual(p.superseded.map((d) => d.id), ['c1']);
  });

  test('a rollout in progress with the same spec is unchanged (the child keeps rolling)', () => {
    const parent2 = worker({ id: 'p1', image: 'img:1', replicas: 2, health_checks: hc });
    const child = live({ id: 'c1', status: 'creating', parent_id: 'p1' });
    const p = planApply([parent2, child], same());
    assert.ok(p.kind === 'unchanged');
    assert.equal(p.deployment.id, 'c1');
  });

  test('force replaces and redeploy rolls even an identical spec', () => {
    assert.equal(planApply([live()], same(), { force: true }).kind, 'replace');
    assert.equal(planApply([live()], same(), { redeploy: true }).kind, 'rolling');
    assert.equal(planApply([live({ health_checks: [] })], spec({ health_checks: [] }), { redeploy: true }).kind, 'replace');
  });

  test('autoscaled deployments are not scaled in place by a replicas change (the autoscaler owns the count)', () => {
    const auto = { min: 1, max: 4, target_cpu: 50 };
    assert.equal(planApply([live({ autoscale: auto })], spec({ autoscale: auto, replicas: 3 })).kind, 'rolling');
  });

  test('specChanges names each differing field by path', () => {
    const before = specOf(live());
    const after = spec({ image: 'img:3', health_checks: [{ ...hc[0]!, port: 81 }], command: ['a', 'b'] });
    assert.deepEqual(specChanges(before, after), [
      { path: 'command', from: [], to: ['a', 'b'] },
      { path: 'health_checks[0].port', from: 80, to: 81 },
      { path: 'image', from: 'img:2', to: 'img:3' },
    ]);
    assert.deepEqual(specChanges({ ports: [] }, { ports: [{ published: 0, target: 80 }] }), [
      { path: 'ports[0]', to: { published: 0, target: 80 } },
    ]);
  });
});
