// When a waited-for deployment has succeeded or failed: every rule of verdictOf, as a table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verdictOf, type Observed, type Target, type VerdictInput } from '../../../src/client/rollout-verdict.js';

const dep = (over: Partial<Observed> = {}): Observed => ({
  id: 'c1', kind: 'worker', status: 'running', replicas: 2, instances: [{}, {}], ...over,
});
const running: Target = { id: 'c1', for: 'running' };
const NOW = 1_000_000;

const cases: [string, Partial<VerdictInput>, 'pending' | 'succeeded' | 'failed', RegExp?][] = [
  ['running with every instance up', {}, 'succeeded'],
  ['creating (readiness gate closed)', { deployment: dep({ status: 'creating', instances: [{}] }) }, 'pending', /creating/],
  ['pending', { deployment: dep({ status: 'pending', instances: [] }) }, 'pending'],
  ['running but a scaled-in-place replica not up yet', { deployment: dep({ replicas: 3 }) }, 'pending', /2\/3/],
  ['autoscaled: desired_replicas counts, not replicas', { deployment: dep({ replicas: 5, autoscale: {}, desired_replicas: 2 }) }, 'succeeded'],
  ['rolling child still has its parent', { deployment: dep({ parent_id: 'p1234567890' }), parent: dep({ id: 'p1234567890', instances: [{}] }) }, 'pending', /draining p1234567 \(1 instance left\)/],
  ['rollout complete but the parent row not purged yet', { target: { ...running, parentId: 'p1' }, parent: dep({ id: 'p1', status: 'deleted', instances: [] }) }, 'pending', /removing p1/],
  ['rollout complete and the parent purged', { target: { ...running, parentId: 'p1' }, parent: undefined }, 'succeeded'],
  ['failed (readiness deadline, rolling_update_failed)', { deployment: dep({ status: 'failed' }) }, 'failed', /failed/],
  ['crash loop', { deployment: dep({ status: 'crash_loop_back_off' }) }, 'failed', /crash_loop_back_off/],
  ['insufficient resources', { deployment: dep({ status: 'insufficient_resources' }) }, 'failed'],
  ['deleted (superseded) while waiting for running', { deployment: dep({ status: 'deleted' }) }, 'failed', /deleted/],
  ['purged while waiting for running', { deployment: undefined }, 'failed', /removed/],
  ['image_pull_back_off within its budget', { deployment: dep({ status: 'image_pull_back_off' }), retryingSince: NOW - 10_000 }, 'pending', /retrying/],
  ['image_pull_back_off past its budget', { deployment: dep({ status: 'image_pull_back_off' }), retryingSince: NOW - 61_000 }, 'failed', /image_pull_back_off for 61s/],
  ['config_error past a custom budget', { deployment: dep({ status: 'config_error' }), retryingSince: NOW - 6_000, retryBudgetMs: 5_000 }, 'failed'],
  ['job completed (default for a job)', { target: { id: 'c1', for: 'completed' }, deployment: dep({ kind: 'job', status: 'completed' }) }, 'succeeded'],
  ['job still running, waiting for completed', { target: { id: 'c1', for: 'completed' }, deployment: dep({ kind: 'job', status: 'running' }) }, 'pending'],
  ['job failed', { target: { id: 'c1', for: 'completed' }, deployment: dep({ kind: 'job', status: 'failed' }) }, 'failed'],
  ['job running satisfies --for running', { deployment: dep({ kind: 'job', status: 'running', instances: [{}] }) }, 'succeeded'],
  ['a worker never completes', { target: { id: 'c1', for: 'completed' } }, 'failed', /never completes/],
  ['--for deleted: still listed as deleted', { target: { id: 'c1', for: 'deleted' }, deployment: dep({ status: 'deleted' }) }, 'pending', /removing/],
  ['--for deleted: gone', { target: { id: 'c1', for: 'deleted' }, deployment: undefined }, 'succeeded'],
  ['--for deleted: still running', { target: { id: 'c1', for: 'deleted' } }, 'pending', /running/],
];

describe('verdictOf', () => {
  for (const [name, over, want, detail] of cases) {
    test(name, () => {
      const input: VerdictInput = { target: running, deployment: dep(), now: NOW, ...over };
      if (!('deployment' in over)) input.deployment = dep();
      const v = verdictOf(input);
      assert.equal(v.state, want, JSON.stringify(v));
      if (detail) assert.match(v.state === 'failed' ? v.reason : v.step, detail);
    });
  }
});
