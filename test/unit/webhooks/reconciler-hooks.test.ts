// The reconciler's own events, as plan() writes them, become the right webhook events.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { plan } from '../../../src/reconciler/plan.js';
import { classify } from '../../../src/reconciler/classify.js';
import { RuntimeError } from '../../../src/runtime/runtime.js';
import { webhookFor } from '../../../src/webhooks/reconciler-hooks.js';
import { input, running, worker } from '../reconciler/builders.js';

describe('webhookFor', () => {
  it("turns plan()'s scale_up events into deployment.scaled up with the count after each step", () => {
    const d = worker({ replicas: 3, status: 'creating' });
    const events = plan(input(d, [running('i1')])).actions.flatMap((a) => (a.type === 'createInstance' && a.event ? [a.event] : []));
    assert.equal(events.length, 2);
    assert.deepEqual(events.map((e) => webhookFor(d, e)), [
      { kind: 'deployment.scaled', direction: 'up', instanceCount: 2, replicas: 3 },
      { kind: 'deployment.scaled', direction: 'up', instanceCount: 3, replicas: 3 },
    ]);
  });

  it("turns plan()'s scale_down events into deployment.scaled down", () => {
    const d = worker({ replicas: 1 });
    const events = plan(input(d, [running('i1'), running('i2', { startedAgo: 30_000 })])).actions
      .flatMap((a) => (a.type === 'removeInstance' && a.event ? [a.event] : []));
    assert.deepEqual(events.map((e) => webhookFor(d, e)), [{ kind: 'deployment.scaled', direction: 'down', instanceCount: 1, replicas: 1 }]);
  });

  it('ignores autoscaler decisions (only runtime scale events are published)', () => {
    assert.equal(webhookFor(worker(), { level: 'info', component: 'autoscaler', reason: 'scale_up', message: 'Scaled up from 1 to 2 replicas' }), null);
  });

  it("turns the executor's failure events (classify) into deployment.error with Ring's categories", () => {
    const cases: [RuntimeError, string, string][] = [
      [new RuntimeError('image_not_found', 'no such image'), 'image_pull_back_off', 'user'],
      [new RuntimeError('insufficient_resources', 'no memory'), 'insufficient_resources', 'host'],
      [new RuntimeError('network_creation_failed', 'no pool'), 'network_creation_failed', 'transient'],
      [new RuntimeError('instance_creation_failed', 'bad mount'), 'instance_creation_failed', 'transient'],
    ];
    for (const [err, reason, category] of cases) {
      const c = classify(err);
      assert.deepEqual(webhookFor(worker(), { level: 'error', component: 'docker', reason: c.reason, message: c.eventMessage }),
        { kind: 'deployment.error', reason, category, message: err.message });
    }
  });

  it('publishes nothing for other events', () => {
    assert.equal(webhookFor(worker(), { level: 'error', component: 'docker', reason: 'container_crashed', message: 'x' }), null);
  });
});
