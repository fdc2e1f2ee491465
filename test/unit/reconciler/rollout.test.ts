// The apply-time decision between a rolling update and an immediate replacement (RING §5.8).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import { planApply } from '../../../src/reconciler/rollout.js';
import { worker } from './builders.js';

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
