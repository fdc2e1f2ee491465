// planSwarm: which row's spec the service runs, rollbacks, purges, deadline — as a table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSwarm, type ObservedService, type SwarmAction, type SwarmRow } from '../../../src/swarm/plan.js';
import type { ObservedTask } from '../../../src/swarm/status.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const row = (id: string, over: Partial<SwarmRow> = {}): SwarmRow => ({
  id, status: 'running', kind: 'worker', replicas: 2, parent_id: null, created_at: `2026-12-01T00:00:0${id.length}Z`, ...over,
});
const svc = (deploymentId: string, over: Partial<ObservedService> = {}): ObservedService => ({ id: 'S', deploymentId, previousDeploymentId: undefined, ...over });
const running = (dep: string, n: number): ObservedTask[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${dep}-${i}`, deploymentId: dep, state: 'running', desiredState: 'running' }));

const cases: { name: string; rows: SwarmRow[]; service?: ObservedService; tasks?: ObservedTask[]; now?: number; want: SwarmAction[] }[] = [
  { name: 'no service: create it from the row', rows: [row('a', { status: 'creating' })], want: [{ type: 'create', deploymentId: 'a' }] },
  { name: 'terminal row without a service: nothing', rows: [row('a', { status: 'crash_loop_back_off' })], want: [] },
  {
    name: 'service runs the row, all tasks running: status running',
    rows: [row('a', { status: 'creating' })], service: svc('a'), tasks: running('a', 2),
    want: [{ type: 'setStatus', deploymentId: 'a', to: { status: 'running', reason: 'replicas_running', message: '2/2 tasks running', restarts: 0 } }],
  },
  { name: 'steady: nothing to do', rows: [row('a')], service: svc('a'), tasks: running('a', 2), want: [] },
  {
    name: 'a child row: update the service to its spec',
    rows: [row('a'), row('bb', { status: 'creating', parent_id: 'a' })], service: svc('a'), tasks: running('a', 2),
    want: [{ type: 'update', deploymentId: 'bb', serviceId: 'S' }],
  },
  {
    name: 'updating, child tasks all up: no status flip before the update completes, parent kept',
    rows: [row('a'), row('bb', { status: 'creating', parent_id: 'a' })],
    service: svc('bb', { previousDeploymentId: 'a', updateState: 'updating', updateStartedAt: new Date(T0).toISOString() }),
    tasks: running('bb', 2), now: T0 + 1000, want: [],
  },
  {
    name: 'update completed: child running, parent purged',
    rows: [row('a'), row('bb', { status: 'creating', parent_id: 'a' })],
    service: svc('bb', { previousDeploymentId: 'a', updateState: 'completed' }), tasks: running('bb', 2),
    want: [
      { type: 'setStatus', deploymentId: 'bb', to: { status: 'running', reason: 'replicas_running', message: '2/2 tasks running', restarts: 0 } },
      { type: 'purge', deploymentId: 'a', replacedBy: 'bb' },
    ],
  },
  {
    name: 'Swarm rolled back: the child fails (rolling_update_failed), the parent keeps serving and is not purged',
    rows: [row('a'), row('bb', { status: 'creating', parent_id: 'a' })],
    service: svc('a', { updateState: 'rollback_completed', updateStartedAt: '2026-12-01T00:01:00Z', updateMessage: 'update rolled back due to failure' }),
    tasks: running('a', 2),
    want: [{ type: 'failRollout', deploymentId: 'bb', message: 'Swarm rolled the service back: update rolled back due to failure' }],
  },
  {
    name: 'a row applied after the last rollback is rolled out, not failed',
    rows: [row('a'), row('bb', { status: 'failed', parent_id: 'a' }), row('ccc', { status: 'creating', parent_id: 'a', created_at: '2026-12-01T00:02:00Z' })],
    service: svc('a', { updateState: 'rollback_completed', updateStartedAt: '2026-12-01T00:01:00Z' }), tasks: running('a', 2),
    want: [{ type: 'update', deploymentId: 'ccc', serviceId: 'S' }],
  },
  {
    name: 'after a rollback the failed child is never re-applied',
    rows: [row('a'), row('bb', { status: 'failed', parent_id: 'a' })],
    service: svc('a', { previousDeploymentId: 'bb', updateState: 'rollback_completed' }), tasks: running('a', 2), want: [],
  },
  {
    name: 'deadline passed while updating: ring asks Swarm to roll back',
    rows: [row('a'), row('bb', { status: 'creating', parent_id: 'a' })],
    service: svc('bb', { previousDeploymentId: 'a', updateState: 'updating', updateStartedAt: new Date(T0).toISOString() }),
    tasks: running('a', 2), now: T0 + 61_000,
    want: [{ type: 'rollback', serviceId: 'S', deploymentId: 'bb', message: 'Rollout did not complete within 60 s (RING_ROLLOUT_DEADLINE); asking Swarm to roll back' }],
  },
  { name: 'every row deleted: remove the service', rows: [row('a', { status: 'deleted' })], service: svc('a'), want: [{ type: 'remove', serviceId: 'S' }] },
  { name: 'deleted and the service gone: purge', rows: [row('a', { status: 'deleted' })], want: [{ type: 'purge', deploymentId: 'a' }] },
  {
    name: 'replace (old row deleted, new row active): update, and the deleted row purged once the service no longer runs it',
    rows: [row('a', { status: 'deleted' }), row('bb', { status: 'creating' })], service: svc('a'), tasks: running('a', 2),
    want: [{ type: 'update', deploymentId: 'bb', serviceId: 'S' }],
  },
  {
    name: 'replace done: the deleted row is purged',
    rows: [row('a', { status: 'deleted' }), row('bb', { status: 'running' })], service: svc('bb', { updateState: 'completed' }), tasks: running('bb', 2),
    want: [{ type: 'purge', deploymentId: 'a' }],
  },
];

for (const c of cases) {
  test(`planSwarm: ${c.name}`, () => {
    assert.deepEqual(planSwarm({ rows: c.rows, service: c.service, tasks: c.tasks ?? [], now: c.now ?? T0, rolloutDeadlineMs: 60_000 }), c.want);
  });
}

test('planSwarm is idempotent on a settled state', () => {
  const input = { rows: [row('a')], service: svc('a'), tasks: running('a', 2), now: T0, rolloutDeadlineMs: 60_000 };
  assert.deepEqual(planSwarm(input), []);
  assert.deepEqual(planSwarm(input), []);
});
