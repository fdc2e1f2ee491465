// GET /deployments is rendered as text (deploymentListJson) with the spec part cached per
// deployment: it must say exactly what JSON.stringify(deploymentView(…)) says, and never serve a
// cached spec part that no longer matches the deployment.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deploymentListJson, deploymentView, deploymentViewJson } from '../../../src/api/deployment-view.js';
import { applyDeploymentDefaults } from '../../../src/domain/validate-deployment.js';
import { createStore, openDatabase } from '../../../src/store/index.js';
import type { Deployment } from '../../../src/domain/deployment.js';
import type { Instance } from '../../../src/runtime/runtime.js';

const inst = (id: string, state: Instance['state'], address?: string): Instance =>
  ({ id, deploymentId: 'x', state, createdAt: 0, startedAt: 0, exitCode: null, ...(address ? { address } : {}) }) as unknown as Instance;

function deployment(over: Partial<Deployment> = {}): Deployment {
  const spec = applyDeploymentDefaults({ name: 'web', namespace: 'ns', runtime: 'docker', image: 'busybox:1' } as never);
  return { ...spec, id: 'd-1', created_at: '2026-01-01T00:00:00.000Z', updated_at: '', status: 'running', restart_count: 0,
    parent_id: null, image_digest: null, ...over } as Deployment;
}

const same = (d: Deployment, instances: Instance[] = [], opts: { rolloutDeadlineMs?: number } = {}) =>
  assert.deepEqual(JSON.parse(deploymentViewJson(d, instances, opts)), JSON.parse(JSON.stringify(deploymentView(d, instances, opts))));

describe('deploymentViewJson', () => {
  test('matches the view: minimal, every optional member, instances of each state', () => {
    same(deployment());
    same(deployment({ id: 'd-2', image_digest: 'sha256:abc', parent_id: 'p-1', restart_count: 3, replicas: 2,
      labels: { a: '"quoted"\n' }, environment: { K: 'v' }, command: ['sh', '-c', 'echo \u2028'],
      health_checks: [{ type: 'tcp', port: 80 }] as never, resources: { memory: '64m' } as never, network: { mode: 'host' } as never,
      autoscale: { min: 1, max: 3, target_cpu: 50 } as never }),
    [inst('a', 'running', '10.0.0.2'), inst('b', 'exited'), inst('c', 'running')]);
  });

  test('the readiness member, with and without a rollout deadline, cached per option', () => {
    const s = createStore(openDatabase(':memory:'));
    s.namespaces.ensure('ns');
    const row = s.deployments.insert(applyDeploymentDefaults({ name: 'ready', namespace: 'ns', runtime: 'docker', image: 'busybox:1',
      health_checks: [{ type: 'http', url: 'http://localhost/health', interval: '1s', timeout: '1s', readiness: true, min_healthy_time: '2s' }] } as never),
    { status: 'creating' });
    const d = s.deployments.get(row.id)!;
    same(d);
    same(d, [], { rolloutDeadlineMs: 600_000 });
    assert.match(deploymentViewJson(d, [], { rolloutDeadlineMs: 600_000 }), /"deadline_at"/);
    assert.doesNotMatch(deploymentViewJson(d, []), /"deadline_at"/);
  });

  test('rows from the store: the cached spec part follows status, replicas and digest changes', () => {
    const s = createStore(openDatabase(':memory:'));
    s.namespaces.ensure('ns');
    const row = s.deployments.insert(applyDeploymentDefaults({ name: 'api', namespace: 'ns', runtime: 'docker', image: 'busybox:1',
      labels: { team: 'a' } } as never), { status: 'creating' });
    same(s.deployments.get(row.id)!);
    s.deployments.setStatus(row.id, 'running');
    s.deployments.setReplicas(row.id, 4);
    s.deployments.setImageDigest(row.id, 'sha256:def');
    const now = s.deployments.get(row.id)!;
    same(now, [inst('i', 'running')]);
    assert.match(deploymentViewJson(now, []), /"status":"running"/);
    assert.deepEqual(JSON.parse(deploymentListJson(s.deployments.list(), () => [])).map((v: { replicas: number }) => v.replicas), [4]);
  });

  test('a different object under the same id is rendered afresh, never from the cache', () => {
    const s = createStore(openDatabase(':memory:'));
    s.namespaces.ensure('ns');
    const row = s.deployments.insert(applyDeploymentDefaults({ name: 'one', namespace: 'ns', runtime: 'docker', image: 'a:1' } as never), { status: 'running' });
    deploymentViewJson(s.deployments.get(row.id)!, []); // cached
    const other = deployment({ id: row.id, name: 'two', image: 'b:2', labels: { x: 'y' } });
    same(other);
    assert.match(deploymentViewJson(other, []), /"name":"two"/);
    // Unfrozen members are never cached: changing one in place shows.
    other.labels.x = 'z';
    assert.match(deploymentViewJson(other, []), /"x":"z"/);
  });

  test('the list is a JSON array of the views, in order', () => {
    const a = deployment({ id: 'a' });
    const b = deployment({ id: 'b', name: 'other' });
    const got = JSON.parse(deploymentListJson([a, b], (id) => (id === 'b' ? [inst('i', 'running')] : [])));
    assert.deepEqual(got, JSON.parse(JSON.stringify([deploymentView(a, []), deploymentView(b, [inst('i', 'running')])])));
    assert.equal(deploymentListJson([], () => []), '[]');
  });
});
