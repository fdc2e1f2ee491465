// The outbox is transactional with the reconciler's writes: an event commits with the change that
// caused it, rolls back with it, and a failure to queue it never blocks the change itself.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, createStore, type Store } from '../../../src/store/index.js';
import { writeDeployment } from '../../../src/reconciler/write.js';
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
const rows = (store: Store, id: string) => store.events.list(id, { limit: 100 }).reverse().map((e) => `${e.reason}: ${e.message}`);

describe('the outbox and the reconciler write', () => {
  it('queues status_changed, scaled and error events in the transaction of the change, with their rows', () => {
    const { store, id } = setup();
    writeDeployment(store, id, { changes: [{ kind: 'scaled', direction: 'up', from: 0, to: 1, replicas: 1 }] });
    writeDeployment(store, id, {
      status: 'image_pull_back_off', restartCount: 1, changes: [{ kind: 'failure', reason: 'image_pull_back_off', message: 'pull failed' }],
    });
    assert.deepEqual(queued(store).map((e) => [e.kind, JSON.parse(e.payload)]).map(([k, p]) => [k, p.direction ?? p.reason ?? p.new_status]), [
      ['deployment.scaled', 'up'], ['deployment.error', 'image_pull_back_off'], ['deployment.status_changed', 'image_pull_back_off'],
    ]);
    assert.equal(JSON.parse(queued(store)[2]!.payload).restart_count, 1);
    assert.deepEqual(rows(store, id), [
      'scale_up: Scaled up from 0 to 1 replicas',
      'image_pull_back_off: pull failed',
      'state_transition: Status changed from creating to image_pull_back_off',
    ]);
  });

  it('a rolling child that fails says its rollout ended, once, row and webhook', () => {
    const { store, id: parent } = setup();
    const child = store.deployments.insert({ ...store.deployments.get(parent)!, image: 'img:2' }, { status: 'creating', parentId: parent });
    writeDeployment(store, child.id, { status: 'crash_loop_back_off' });
    assert.deepEqual(queued(store).map((e) => [e.kind, JSON.parse(e.payload).phase ?? JSON.parse(e.payload).new_status]), [
      ['deployment.status_changed', 'crash_loop_back_off'], ['deployment.rolling_update', 'failed'],
    ]);
    assert.deepEqual(rows(store, child.id), [
      'state_transition: Status changed from creating to crash_loop_back_off',
      `rolling_update_failed: Rolling update failed: the new deployment is crash_loop_back_off; deployment ${parent} keeps serving`,
    ]);
  });

  it('rolls the event back with the change', () => {
    const { store, id } = setup();
    assert.throws(() => store.tx(() => {
      writeDeployment(store, id, { status: 'running', transition: { containers: 1 } });
      throw new Error('the rest of the write failed');
    }));
    assert.equal(store.deployments.get(id)!.status, 'creating');
    assert.deepEqual(queued(store), []);
    assert.deepEqual(rows(store, id), []);
  });

  it('keeps the change when the event cannot be queued, and says so', () => {
    const { store, id } = setup();
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (_f: unknown, msg: string) => void errors.push(msg) };
    const enqueue = store.outbox.enqueue;
    store.outbox.enqueue = (e) => {
      enqueue(e); // half-written, then a failure: the savepoint must take the half back
      throw new Error('disk I/O error');
    };
    assert.equal(writeDeployment(store, id, { status: 'running', transition: { containers: 1 } }, { logger }), true);
    assert.equal(store.deployments.get(id)!.status, 'running');
    assert.deepEqual(queued(store), []);
    assert.deepEqual(rows(store, id), ['state_transition: Status changed from creating to running (1 containers)']);
    assert.deepEqual(errors, ['could not queue the status_changed webhook event']);
  });
});
