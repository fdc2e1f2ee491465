// The documented limits of a deployment manifest and the unknown-field rule, one case per limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentSpec, Violation } from '../../../src/domain/deployment.js';
import { validateDeployment } from '../../../src/domain/validate-deployment.js';
import { LIMITS } from '../../../src/domain/limits.js';

const L = LIMITS.deployment;

function body(overrides: Record<string, unknown>): DeploymentSpec {
  return {
    name: 'web', namespace: 'default', runtime: 'docker', kind: 'worker', image: 'nginx:alpine', replicas: 1, command: [],
    environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [], ...overrides,
  } as unknown as DeploymentSpec;
}
const pairs = (vs: Violation[]) => vs.map((x) => [x.property_path, x.code]);
const hc = (o: Record<string, unknown>) => ({ type: 'tcp', port: 80, interval: '5s', timeout: '2s', ...o });
const vol = (o: Record<string, unknown>) => ({ destination: '/data', driver: 'local', permission: 'ro', ...o });
const many = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));

const cases: [string, Record<string, unknown>, [string, string][]][] = [
  ['replicas 1e21', { replicas: 1e21 }, [['replicas', 'deployment.replicas.too_large']]],
  [`replicas ${L.replicas + 1}`, { replicas: L.replicas + 1 }, [['replicas', 'deployment.replicas.too_large']]],
  ['an image longer than the limit', { image: 'x'.repeat(L.imageLength + 1) }, [['image', 'deployment.image.length']]],
  ['an image with a NUL byte', { image: 'nginx\u0000' }, [['image', 'deployment.image.invalid']]],
  ['too many command arguments', { command: many(L.commandArgs + 1, () => 'a') }, [['command', 'deployment.command.too_many']]],
  ['a command argument that is not a string', { command: ['sh', 5] }, [['command[1]', 'deployment.command.invalid']]],
  ['a command argument too long', { command: ['x'.repeat(L.commandArgLength + 1)] }, [['command[0]', 'deployment.command.length']]],
  ['too many environment variables', { environment: Object.fromEntries(many(L.environmentVariables + 1, (i) => [`V${i}`, 'x'])) },
    [['environment', 'deployment.environment.too_many']]],
  ['an environment value too long', { environment: { BIG: 'x'.repeat(L.environmentValueLength + 1) } },
    [['environment.BIG', 'deployment.environment.value.length']]],
  ['too many labels', { labels: Object.fromEntries(many(L.labels + 1, (i) => [`l${i}`, 'x'])) }, [['labels', 'deployment.labels.too_many']]],
  ['a label value that is not a string', { labels: { a: 1 } }, [['labels.a', 'deployment.labels.value.invalid']]],
  ['a label value too long', { labels: { a: 'x'.repeat(L.labelValueLength + 1) } }, [['labels.a', 'deployment.labels.value.length']]],
  ['too many ports', { replicas: 1, ports: many(L.ports + 1, (i) => ({ published: 1000 + i, target: 80 })) }, [['ports', 'deployment.ports.too_many']]],
  ['too many volumes', { volumes: many(L.volumes + 1, (i) => vol({ type: 'volume', source: `v${i}`, destination: `/d${i}` })) },
    [['volumes', 'deployment.volumes.too_many']]],
  ['a named-volume source that is a path', { volumes: [vol({ type: 'volume', source: '../../etc' })] },
    [['volumes[0].source', 'deployment.volumes.source.invalid']]],
  ['a secret source that is a path', { volumes: [vol({ type: 'secret', source: 'a/b' })] }, [['volumes[0].source', 'deployment.volumes.source.invalid']]],
  ['a config key that is a path', { volumes: [vol({ type: 'config', source: 'cfg', key: '../x' })] }, [['volumes[0].key', 'deployment.volumes.key.invalid']]],
  ['a relative bind source', { volumes: [vol({ type: 'bind', source: 'srv' })] }, [['volumes[0].source', 'deployment.volumes.source.invalid']]],
  ['a relative destination', { volumes: [vol({ type: 'volume', source: 'd', destination: 'data' })] },
    [['volumes[0].destination', 'deployment.volumes.destination.invalid']]],
  ['too many health checks', { health_checks: many(L.healthChecks + 1, () => hc({})) }, [['health_checks', 'deployment.health_checks.too_many']]],
  ['an interval of two hours', { health_checks: [hc({ interval: '2h' })] }, [['health_checks[0].interval', 'deployment.health_checks.interval.too_large']]],
  ['a start_period of 25 hours', { health_checks: [hc({ start_period: '25h' })] },
    [['health_checks[0].start_period', 'deployment.health_checks.start_period.too_large']]],
  ['a threshold of 1e21', { health_checks: [hc({ threshold: 1e21 })] }, [['health_checks[0].threshold', 'deployment.health_checks.threshold.too_large']]],
  ['a memory limit of 20Ti', { resources: { limits: { memory: '20Ti' } } },
    [['resources.limits.memory', 'deployment.resources.limits.memory.too_large']]],
  ['a CPU request of 5000 cores', { resources: { requests: { cpu: '5000' } } }, [['resources.requests.cpu', 'deployment.resources.requests.cpu.too_large']]],
  ['autoscale max above the replica maximum', { autoscale: { min: 1, max: L.replicas + 1, target_cpu: 50 } },
    [['autoscale.max', 'deployment.autoscale.too_large']]],
  ['a uid of 2^40', { config: { user: { id: 2 ** 40 } } }, [['config.user.id', 'deployment.config.user.invalid']]],
  ['a registry password too long', { config: { password: 'x'.repeat(L.registryFieldLength + 1) } }, [['config.password', 'deployment.config.length']]],
  // unknown fields, at every level
  ['an unknown top-level field', { zz_extra: 1 }, [['zz_extra', 'deployment.unknown_field']]],
  ['an unknown field under network', { network: { mode: 'bridge', zz_extra: { a: 1 } } }, [['network.zz_extra', 'deployment.network.unknown_field']]],
  ['an unknown field under resources.requests', { resources: { requests: { gpu: '1' } } }, [['resources.requests.gpu', 'deployment.resources.unknown_field']]],
  ['an unknown field in a port', { ports: [{ published: 80, target: 80, hostPort: 1 }] }, [['ports[0].hostPort', 'deployment.ports.unknown_field']]],
  ['an unknown field in a volume', { volumes: [vol({ type: 'volume', source: 'd', readonly: true })] }, [['volumes[0].readonly', 'deployment.volumes.unknown_field']]],
  ['an unknown field in a health check', { health_checks: [hc({ retries: 3 })] }, [['health_checks[0].retries', 'deployment.health_checks.unknown_field']]],
  ['an unknown field in config and config.user', { config: { pull: 1, user: { uid: 1 } } },
    [['config.user.uid', 'deployment.config.unknown_field'], ['config.pull', 'deployment.config.unknown_field']]],
  ['an unknown field in autoscale', { autoscale: { min: 1, max: 2, target_cpu: 50, step: 1 } }, [['autoscale.step', 'deployment.autoscale.unknown_field']]],
];

for (const [sentence, overrides, expected] of cases) {
  test(`limits: ${sentence}`, () => {
    assert.deepEqual(pairs(validateDeployment(body(overrides))), expected);
  });
}

test('limits: values at each maximum are accepted', () => {
  assert.deepEqual(validateDeployment(body({
    replicas: L.replicas,
    image: 'x'.repeat(L.imageLength),
    command: many(L.commandArgs, () => 'a'),
    environment: Object.fromEntries(many(L.environmentVariables, (i) => [`V${i}`, 'x'])),
    labels: Object.fromEntries(many(L.labels, (i) => [`l${i}`, 'x'.repeat(L.labelValueLength)])),
    health_checks: many(L.healthChecks, () => hc({ interval: '1h', threshold: L.healthCheckThreshold, start_period: '24h' })),
    resources: { limits: { cpu: String(L.cpuCores), memory: '16Ti' } },
  })), []);
});

test('limits: messages quote at most a short prefix of a huge value', () => {
  const [x] = validateDeployment(body({ kind: 'k'.repeat(100_000) }));
  assert.ok(x && x.message.length < 300, x?.message);
});
