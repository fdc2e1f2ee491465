// The one mapping from a typed change to its event row and webhook payload (src/domain/changes.ts),
// and plan()'s changes through it: no message is ever parsed back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { changeRecord, type DeploymentChange } from '../../../src/domain/changes.js';
import { plan } from '../../../src/reconciler/plan.js';
import { classify } from '../../../src/reconciler/classify.js';
import { RuntimeError } from '../../../src/runtime/runtime.js';
import { input, running, worker } from '../reconciler/builders.js';

const d = { id: 'd1', namespace: 'ns', name: 'web', kind: 'worker' as const };
const env = { schema_version: 1, deployment_id: 'd1', namespace: 'ns', name: 'web', kind: 'worker' };

describe('changeRecord', () => {
  // change → [event reason: message (level, component)] and [webhook kind, payload beyond the envelope]
  const cases: [string, DeploymentChange, string | null, [string, Record<string, unknown>] | null][] = [
    ['status change', { kind: 'status_changed', from: 'creating', to: 'running', restartCount: 2, containers: 3 },
      'state_transition: Status changed from creating to running (3 containers) (info, scheduler)',
      ['deployment.status_changed', { old_status: 'creating', new_status: 'running', restart_count: 2 }]],
    ['status change by the API, with a note', { kind: 'status_changed', from: 'running', to: 'deleted', restartCount: 0, component: 'api', note: 'delete requested' },
      'state_transition: Status changed from running to deleted (delete requested) (info, api)',
      ['deployment.status_changed', { old_status: 'running', new_status: 'deleted', restart_count: 0 }]],
    ['a failure status is an error-level transition', { kind: 'status_changed', from: 'running', to: 'crash_loop_back_off', restartCount: 5 },
      'state_transition: Status changed from running to crash_loop_back_off (error, scheduler)',
      ['deployment.status_changed', { old_status: 'running', new_status: 'crash_loop_back_off', restart_count: 5 }]],
    ['scale up', { kind: 'scaled', direction: 'up', from: 1, to: 2, replicas: 3 },
      'scale_up: Scaled up from 1 to 2 replicas (info, docker)',
      ['deployment.scaled', { direction: 'up', instance_count: 2, replicas: 3 }]],
    ['scale down', { kind: 'scaled', direction: 'down', from: 2, to: 1, replicas: 1 },
      'scale_down: Scaled down from 2 to 1 replicas (info, docker)',
      ['deployment.scaled', { direction: 'down', instance_count: 1, replicas: 1 }]],
    ['categorised failure', { kind: 'failure', reason: 'image_pull_back_off', message: 'no such image' },
      'image_pull_back_off: no such image (error, docker)',
      ['deployment.error', { reason: 'image_pull_back_off', category: 'user', message: 'no such image' }]],
    ['a missing config is reported as config_error', { kind: 'failure', reason: 'volume_resolution_error', message: 'no key', component: 'scheduler', webhookReason: 'config_error' },
      'volume_resolution_error: no key (error, scheduler)',
      ['deployment.error', { reason: 'config_error', category: 'user', message: 'no key' }]],
    ['an uncategorised failure is a row only', { kind: 'failure', reason: 'something_else', message: 'x' }, 'something_else: x (error, docker)', null],
    ['health check stop', { kind: 'health_check_failed', instanceId: 'abcdefabcdef1234', action: 'stop', message: 'HTTP 500' },
      'health_check_stop: Health check failed for instance abcdefabcdef (HTTP 500), stopping the deployment (warning, health_checker)',
      ['deployment.health_check_failed', { instance_id: 'abcdefabcdef1234', action: 'stop', message: 'HTTP 500' }]],
    ['health check alert', { kind: 'health_check_failed', instanceId: 'abcdefabcdef1234', action: 'alert', message: 'HTTP 500' },
      'health_check_alert: Health check failed for instance abcdefabcdef: HTTP 500 (error, health_checker)',
      ['deployment.health_check_failed', { instance_id: 'abcdefabcdef1234', action: 'alert', message: 'HTTP 500' }]],
    ['rollout started: the apply answers, no webhook', { kind: 'rolling_update', phase: 'started', parentId: 'p1', message: 'm' },
      'rolling_update_started: m (info, api)', null],
    ['rollout step', { kind: 'rolling_update', phase: 'step', parentId: 'p1', drainedInstanceId: 'i1', message: 'm' },
      'rolling_update_step: m (info, scheduler)', ['deployment.rolling_update', { parent_id: 'p1', phase: 'step', drained_instance_id: 'i1' }]],
    ['rollout complete', { kind: 'rolling_update', phase: 'complete', parentId: 'p1', drainedInstanceId: 'i1', message: 'm' },
      'rolling_update_complete: m (info, scheduler)', ['deployment.rolling_update', { parent_id: 'p1', phase: 'complete', drained_instance_id: null }]],
    ['rollout failed', { kind: 'rolling_update', phase: 'failed', parentId: 'p1', message: 'm' },
      'rolling_update_failed: m (error, scheduler)', ['deployment.rolling_update', { parent_id: 'p1', phase: 'failed', drained_instance_id: null }]],
    ['noted: a row, published nowhere', { kind: 'noted', event: { level: 'warning', component: 'docker-events', reason: 'container_died', message: 'died' } },
      'container_died: died (warning, docker-events)', null],
  ];
  for (const [name, change, row, hook] of cases) {
    it(name, () => {
      const r = changeRecord(d, change);
      assert.equal(r.event && `${r.event.reason}: ${r.event.message} (${r.event.level}, ${r.event.component})`, row);
      assert.deepEqual(r.webhook && [r.webhook.kind, r.webhook.payload], hook && [hook[0], { ...env, ...hook[1] }]);
    });
  }

  it("plan()'s scale-ups are typed scaled changes: deployment.scaled with the count after each step", () => {
    const w = worker({ replicas: 3, status: 'creating' });
    const changes = plan(input(w, [running('i1')])).actions.flatMap((a) => (a.type === 'createInstance' && a.change ? [a.change] : []));
    assert.deepEqual(changes.map((c) => changeRecord(w, c).webhook?.payload.instance_count), [2, 3]);
  });

  it("the executor's failures (classify) become deployment.error with Ring's categories", () => {
    const cases: [RuntimeError, string, string][] = [
      [new RuntimeError('image_not_found', 'no such image'), 'image_pull_back_off', 'user'],
      [new RuntimeError('insufficient_resources', 'no memory'), 'insufficient_resources', 'host'],
      [new RuntimeError('network_creation_failed', 'no pool'), 'network_creation_failed', 'transient'],
      [new RuntimeError('instance_creation_failed', 'bad mount'), 'instance_creation_failed', 'transient'],
    ];
    for (const [err, reason, category] of cases) {
      const c = classify(err);
      assert.deepEqual(changeRecord(d, { kind: 'failure', reason: c.reason, message: c.eventMessage }).webhook?.payload,
        { ...env, reason, category, message: err.message });
    }
  });
});
