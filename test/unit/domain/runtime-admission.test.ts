// A runtime this server does not run is refused at POST (422 naming it and the enabled ones), and
// B22: the cloud_hypervisor_ignored_fields warning names exactly the fields CH cannot honour.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { admitRuntime, ignoredByCloudHypervisor } from '../../../src/domain/runtime-admission.js';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';

const spec = (over: Partial<DeploymentSpec>): DeploymentSpec => ({
  name: 'vm', namespace: 'default', runtime: 'cloud-hypervisor', kind: 'worker', image: '/img/disk.raw', replicas: 1, command: [],
  environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [], ...over,
});

describe('runtime admission', () => {
  for (const runtime of ['podman', 'containerd', 'firecracker', 'cloud-hypervisor'] as const) {
    test(`${runtime} on a docker-only server → 422 naming it and the enabled runtimes`, () => {
      const a = admitRuntime(spec({ runtime, image: runtime === 'cloud-hypervisor' ? '/x.raw' : 'nginx' }), ['docker']);
      assert.deepEqual(a.violations, [{ property_path: 'runtime', code: 'deployment.runtime.not_enabled',
        message: `runtime '${runtime}' is ${runtime === 'cloud-hypervisor' ? 'not enabled on' : 'not implemented by'} this server (enabled: docker)` }]);
    });
  }
  test('docker on a CH-only server is refused; both enabled admit both', () => {
    assert.equal(admitRuntime(spec({ runtime: 'docker', image: 'nginx' }), ['cloud-hypervisor']).violations[0]?.message,
      "runtime 'docker' is not enabled on this server (enabled: cloud-hypervisor)");
    assert.deepEqual(admitRuntime(spec({ runtime: 'docker', image: 'nginx' }), ['docker', 'cloud-hypervisor']).violations, []);
    assert.deepEqual(admitRuntime(spec({}), ['docker', 'cloud-hypervisor']).violations, []);
  });
});

describe('cloud_hypervisor_ignored_fields (B22)', () => {
  test('t24: requests, a non-default pull policy, server and password are named; username is not when absent', () => {
    const s = spec({ resources: { requests: { memory: '64Mi' } }, config: { image_pull_policy: 'IfNotPresent', server: 'r.io', password: 'p' } });
    const a = admitRuntime(s, ['cloud-hypervisor']);
    assert.deepEqual(a.events, [{ level: 'warning', component: 'api', reason: 'cloud_hypervisor_ignored_fields',
      message: 'These fields are ignored by the cloud-hypervisor runtime and have no effect: resources.requests, config.image_pull_policy, config.server, config.password' }]);
  });
  test('the default pull policy (Always) is not named; image_pull_secret and use_host_auth are (Ring misses them)', () => {
    assert.deepEqual(ignoredByCloudHypervisor(spec({ config: { image_pull_policy: 'Always', image_pull_secret: 's', use_host_auth: true, user: { id: 1000 } } })),
      ['config.user', 'config.image_pull_secret', 'config.use_host_auth']);
    assert.deepEqual(admitRuntime(spec({}), ['cloud-hypervisor']).events, []);
    assert.deepEqual(admitRuntime(spec({ runtime: 'docker', image: 'x', resources: { requests: { cpu: '1' } } }), ['docker']).events, [], 'docker: no warning');
  });
});
