import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from '../../../src/domain/deployment.js';
import { referencingDeployments, usesSecret, usesVolume } from '../../../src/domain/references.js';

function dep(over: Partial<Deployment>): Deployment {
  return {
    id: 'x', name: 'web', namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img', replicas: 1, command: [],
    environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [], status: 'running', restart_count: 0,
    created_at: '', updated_at: '', parent_id: null, image_digest: null, ...over,
  };
}
const vol = (type: 'secret' | 'volume' | 'config', source: string) => ({ type, source, destination: '/x', driver: 'local' as const, permission: 'ro' as const });

test('a secret is used through env secretRef, a secret volume or image_pull_secret', () => {
  assert.equal(usesSecret(dep({ environment: { A: 'db', B: { secretRef: 'db' } } }), 'db'), true);
  assert.equal(usesSecret(dep({ environment: { A: 'db' } }), 'db'), false);
  assert.equal(usesSecret(dep({ volumes: [vol('secret', 'db')] }), 'db'), true);
  assert.equal(usesSecret(dep({ volumes: [vol('config', 'db'), vol('volume', 'db')] }), 'db'), false);
  assert.equal(usesSecret(dep({ config: { image_pull_secret: 'db' } }), 'db'), true);
});

test('a volume is used by a `type: volume` mount of that name', () => {
  assert.equal(usesVolume(dep({ volumes: [vol('volume', 'data')] }), 'data'), true);
  assert.equal(usesVolume(dep({ volumes: [vol('secret', 'data')] }), 'data'), false);
});

test('deleted deployments do not count; a name is listed once', () => {
  const ds = [
    dep({ id: '1', name: 'a', volumes: [vol('volume', 'v')] }),
    dep({ id: '2', name: 'a', volumes: [vol('volume', 'v')], parent_id: '1' }),
    dep({ id: '3', name: 'b', volumes: [vol('volume', 'v')], status: 'deleted' }),
    dep({ id: '4', name: 'c', volumes: [vol('volume', 'v')], status: 'crash_loop_back_off' }),
  ];
  assert.deepEqual(referencingDeployments(ds, (d) => usesVolume(d, 'v')), ['ns/a', 'ns/c']);
});
