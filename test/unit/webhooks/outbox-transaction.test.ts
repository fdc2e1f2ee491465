// The outbox is transactional with the reconciler's writes: an event commits with the change that
// caused it, rolls back with it, and a failure to queue it never blocks the change itself.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, createStore, type Store } from '../../../src/store/index.js';
import { recordEvent } from '../../../src/reconciler/execute.js';
import { transitionEvent } from '../../../src/reconciler/plan.js';
import { reconcilerWebhookHooks } from '../../../src/webhooks/reconciler-hooks.js';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';

function setup(): { store: Store; id: string } {
  const store = createStore(openDatabase(':memory:'));
  store.webhooks.insert({ url: 'https://hooks.example.com/x', secret: 's', events: [] });
  const spec: DeploymentSpec = {
    name: 'web', namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 1, command: [], environment: {},
    labels: {}, ports: [], volumes: [], config: {}, health_checks: [],
  };
  return { store, id: store.deployments.insert(spec, { status: 'creating' }).id };
}

const queued = (store: Store) => (store.db.prepare('SELECT kind, payload FROM events ORDER BY seq').all() as { kind: string; payload: string }[]);

describe('the outbox and the reconciler write', () => {
  it('queues status_changed, scaled and error events in the transaction of the change', () => {
    const { store, id } = setup();
    const h = reconcilerWebhookHooks(store);
    recordEvent(store, id, { events: [{ level: 'info', component: 'docker', reason: 'scale_up', message: 'Scaled up from 0 to 1 replicas' }] },
      h.onStatusChange, h.onDeploymentEvent);
    recordEvent(store, id, {
      status: 'image_pull_back_off', restartCount: 1,
      events: [{ level: 'error', component: 'docker', reason: 'image_pull_back_off', message: 'pull failed' }, transitionEvent('creating', 'image_pull_back_off')],
    }, h.onStatusChange, h.onDeploymentEvent);
    assert.deepEqual(queued(store).map((e) => [e.kind, JSON.parse(e.payload)]).map(([k, p]) => [k, p.direction ?? p.reason ?? p.new_status]), [
      ['deployment.scaled', 'up'], ['deployment.error', 'image_pull_back_off'], ['deployment.status_changed', 'image_pull_back_off'],
    ]);
    assert.equal(JSON.parse(queued(store)[2]!.payload).restart_count, 1);
  });

  it('rolls the event back with the change', () => {
    const { store, id } = setup();
    const h = reconcilerWebhookHooks(store);
    assert.throws(() => store.tx(() => {
      recordEvent(store, id, { status: 'running', events: [transitionEvent('creating', 'running', 1)] }, h.onStatusChange, h.onDeploymentEvent);
      throw new Error('the rest of the write failed');
    }));
    assert.equal(store.deployments.get(id)!.status, 'creating');
    assert.deepEqual(queued(store), []);
  });

  it('keeps the change when the event cannot be queued, and says so', () => {
    const { store, id } = setup();
    const errors: string[] = [];
    const h = reconcilerWebhookHooks(store, { error: (_f, msg) => errors.push(msg) });
    const enqueue = store.outbox.enqueue;
    store.outbox.enqueue = (e) => {
      enqueue(e); // half-written, then a failure: the savepoint must take the half back
      throw new Error('disk I/O error');
    };
    assert.equal(recordEvent(store, id, { status: 'running', events: [transitionEvent('creating', 'running', 1)] }, h.onStatusChange, h.onDeploymentEvent), true);
    assert.equal(store.deployments.get(id)!.status, 'running');
    assert.deepEqual(queued(store), []);
    assert.deepEqual(errors, ['could not queue the status change webhook event']);
  });
});
