// Replicas checked against the runtime host's total memory (host-capacity.ts): a table of specs and
// hosts, each with the violations it gets (none = accepted).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostCapacityViolations, instanceMemory, type HostCapacity } from '../../../src/domain/host-capacity.js';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';

const GiB = 1024 ** 3;
const host: HostCapacity = { memoryBytes: 8 * GiB, host: 'the Docker host' };
type Spec = Pick<DeploymentSpec, 'replicas' | 'resources' | 'autoscale'>;
const spec = (replicas: number, resources?: DeploymentSpec['resources'], autoscale?: DeploymentSpec['autoscale']): Spec =>
  ({ replicas, ...(resources ? { resources } : {}), ...(autoscale ? { autoscale } : {}) });

describe('replicas against the host memory', () => {
  const cases: [string, Spec, HostCapacity | null, [string, RegExp][]][] = [
    ['no memory declared: not gated, even at the structural cap', spec(1000), host, []],
    ['fits exactly', spec(8, { requests: { memory: '1Gi' } }), host, []],
    ['one instance more than fits', spec(9, { requests: { memory: '1Gi' } }), host,
      [['replicas', /^9 instances × 1024 MiB \(resources\.requests\.memory\) = 9216 MiB, more than the 8192 MiB of memory the Docker host has in total; at most 8 fit — lower replicas or resources\.requests\.memory$/]]],
    ['limits.memory counts when no request is declared', spec(3, { limits: { memory: '3Gi' } }), host,
      [['replicas', /3 instances × 3072 MiB \(resources\.limits\.memory\).*at most 2 fit/]]],
    ['the request wins over a larger limit (as the per-instance admission)', spec(4, { requests: { memory: '2Gi' }, limits: { memory: '4Gi' } }), host, []],
    ['a single instance larger than the host', spec(1, { requests: { memory: '9Gi' } }), host, [['replicas', /at most 0 fit/]]],
    ['replicas 0 asks for nothing', spec(0, { requests: { memory: '9Gi' } }), host, []],
    ['autoscale.max is the most that will run', spec(2, { requests: { memory: '1Gi' } }, { min: 1, max: 20, target_cpu: 50 }), host,
      [['autoscale.max', /^20 instances × 1024 MiB/]]],
    ['both named when both are too many', spec(10, { requests: { memory: '1Gi' } }, { min: 1, max: 12, target_cpu: 50 }), host,
      [['replicas', /^10 instances/], ['autoscale.max', /^12 instances/]]],
    ['unknown host memory: not gated', spec(1000, { requests: { memory: '1Ti' } }), null, []],
    ['an unparseable quantity is left to validateDeployment', spec(1000, { requests: { memory: 'lots' } }), host, []],
    ['a non-integer count is left to validateDeployment', spec(1.5, { requests: { memory: '7Gi' } }), host, []],
  ];
  for (const [what, s, h, want] of cases) {
    it(what, () => {
      const got = hostCapacityViolations(s, h);
      assert.deepEqual(got.map((v) => v.property_path), want.map(([p]) => p));
      for (const [i, [, re]] of want.entries()) {
        assert.match(got[i]!.message, re);
        assert.equal(got[i]!.code, 'deployment.replicas.exceeds_host_memory');
      }
    });
  }

  it('reads the declared memory the way the admission does', () => {
    assert.deepEqual(instanceMemory({ resources: { requests: { memory: '512Mi' }, limits: { memory: '1Gi' } } }), { bytes: 512 * 1024 ** 2, field: 'resources.requests.memory' });
    assert.deepEqual(instanceMemory({ resources: { requests: { memory: '' }, limits: { memory: '1Gi' } } }), { bytes: GiB, field: 'resources.limits.memory' });
    assert.equal(instanceMemory({}), null);
  });
});
