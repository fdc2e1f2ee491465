import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentSpec, Violation } from '../../../src/domain/deployment.js';
import {
  applyDeploymentDefaults,
  namespaceViolations, toProblemDetail, validateDeployment, validateNamespaceName, validationProblem,
} from '../../../src/domain/validate-deployment.js';

function base(): DeploymentSpec {
  return {
    name: 'web', namespace: 'default', runtime: 'docker', kind: 'worker', image: 'nginx:alpine',
    replicas: 1, command: [], environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [],
  };
}

/** Builds a body from the valid base plus overrides (`undefined` deletes a key). */
function body(overrides: Record<string, unknown>): DeploymentSpec {
  const b: Record<string, unknown> = { ...base(), ...overrides };
  for (const [k, val] of Object.entries(overrides)) if (val === undefined) delete b[k];
  return b as unknown as DeploymentSpec;
}

const pairs = (vs: Violation[]) => vs.map((x) => [x.property_path, x.code]);

const hc = (o: Record<string, unknown>) => ({ type: 'tcp', port: 80, interval: '5s', timeout: '2s', ...o });
const vol = (o: Record<string, unknown>) => ({ destination: '/data', driver: 'local', permission: 'rw', ...o });

test('a complete valid deployment has no violations', () => {
  assert.deepEqual(validateDeployment(base()), []);
});

test('a rich valid deployment has no violations', () => {
  const b = body({
    replicas: 2,
    environment: { A: 'x', _B2: { secretRef: 'db' } },
    volumes: [
      vol({ type: 'bind', source: '/srv', permission: 'ro' }),
      vol({ type: 'volume', source: 'data', permission: 'ro', driver: 'nfs' }),
      vol({ type: 'config', source: 'cfg', key: 'app.conf', permission: 'ro', destination: '/etc/app.conf' }),
      vol({ type: 'secret', source: 'tls', permission: 'ro', destination: '/run/tls.pem' }),
    ],
    resources: { limits: { cpu: '0.5', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
    autoscale: { min: 1, max: 3, target_cpu: 70 },
    config: { image_pull_policy: 'IfNotPresent', image_pull_secret: 'regcred' },
    health_checks: [
      hc({ readiness: true, min_healthy_time: '10s', start_period: '1m', threshold: 3, on_failure: 'restart' }),
      hc({ type: 'http', port: undefined, url: 'http://localhost:8080/health', on_failure: 'alert' }),
      hc({ type: 'command', port: undefined, command: 'test -f /ready', on_failure: 'stop' }),
    ],
  });
  assert.deepEqual(validateDeployment(b), []);
});

test('names like web, job-ok and spec-bad are accepted', () => {
  for (const name of ['web', 'job-ok', 'spec-bad', 'A.b_c-1', '9lives']) {
    assert.deepEqual(validateDeployment(body({ name })), [], name);
  }
});

// One case per rule: [sentence, overrides, expected [path, code] pairs in order].
const cases: [string, Record<string, unknown>, string[][]][] = [
  // beyond Ring
  ['an empty name breaks length and format', { name: '' },
    [['name', 'deployment.name.length'], ['name', 'deployment.name.format']]],
  ['a name longer than 63 characters breaks length', { name: 'a'.repeat(64) }, [['name', 'deployment.name.length']]],
  ['a name starting with a dash breaks format', { name: '-web' }, [['name', 'deployment.name.format']]],
  ['a name with a slash breaks format', { name: 'a/b' }, [['name', 'deployment.name.format']]],
  ['an uppercase namespace breaks format', { namespace: 'Prod' }, [['namespace', 'deployment.namespace.format']]],
  ['a one-letter namespace breaks length', { namespace: 'a' }, [['namespace', 'deployment.namespace.length']]],
  ['a missing namespace breaks length and format', { namespace: undefined },
    [['namespace', 'deployment.namespace.length'], ['namespace', 'deployment.namespace.format']]],
  ['an empty image is required', { image: '' }, [['image', 'deployment.image.required']]],
  ['a blank image is required', { image: '   ' }, [['image', 'deployment.image.required']]],
  ['negative replicas are invalid', { replicas: -1 }, [['replicas', 'deployment.replicas.invalid']]],
  ['fractional replicas are invalid', { replicas: 1.5 }, [['replicas', 'deployment.replicas.invalid']]],
  ['string replicas are invalid', { replicas: '2' }, [['replicas', 'deployment.replicas.invalid']]],
  ['zero replicas are valid', { replicas: 0 }, []],
  ['an unknown kind is unsupported', { kind: 'cron' }, [['kind', 'deployment.kind.unsupported']]],

  // Ring table
  ['an unknown runtime is unsupported', { runtime: 'lxc' }, [['runtime', 'deployment.runtime.unsupported']]],
  ['every listed runtime is accepted', { runtime: 'firecracker' }, []],
  ['a volume without destination', { volumes: [vol({ type: 'bind', source: '/srv', destination: '' })] },
    [['volumes[0].destination', 'destination cannot be empty']]],
  ['a bind volume without source', { volumes: [vol({ type: 'bind' })] },
    [['volumes[0].source', 'source is required for bind volumes']]],
  ['a named volume without source', { volumes: [vol({ type: 'volume' })] },
    [['volumes[0].source', 'source is required for named volumes']]],
  ['a secret volume without source', { volumes: [vol({ type: 'secret', permission: 'ro' })] },
    [['volumes[0].source', 'source is required for secret volumes']]],
  ['a bind volume with an empty source', { volumes: [vol({ type: 'bind', source: '' })] },
    [['volumes[0].source', 'source cannot be empty']]],
  ['a config volume without source or key', { volumes: [vol({ type: 'config', permission: 'ro' })] },
    [['volumes[0].source', 'required'], ['volumes[0].key', 'required']]],
  ['a config volume with empty source and key', { volumes: [vol({ type: 'config', permission: 'ro', source: '', key: '' })] },
    [['volumes[0].source', 'empty'], ['volumes[0].key', 'empty']]],
  ['a read-write config volume', { volumes: [vol({ type: 'config', source: 'c', key: 'k', permission: 'rw' })] },
    [['volumes[0].permission', 'invalid_permission']]],
  ['a read-write secret volume', { volumes: [vol({ type: 'secret', source: 's', permission: 'rw' })] },
    [['volumes[0].permission', 'invalid_permission']]],
  ['a secret volume with a key', { volumes: [vol({ type: 'secret', source: 's', permission: 'ro', key: 'k' })] },
    [['volumes[0].key', 'unexpected_field']]],
  ['a volume with an unknown type', { volumes: [vol({ type: 'tmpfs' })] },
    [['volumes[0].type', 'deployment.volumes.type.unsupported']]],
  ['a volume with an unknown driver', { volumes: [vol({ type: 'volume', source: 'v', driver: 'ceph' })] },
    [['volumes[0].driver', 'deployment.volumes.driver.unsupported']]],
  ['a volume with an unknown permission', { volumes: [vol({ type: 'volume', source: 'v', permission: 'wo' })] },
    [['volumes[0].permission', 'deployment.volumes.permission.unsupported']]],
  ['a cloud-hypervisor deployment with a command', { runtime: 'cloud-hypervisor', image: '/img/vm.raw', command: ['x'] },
    [['command', 'deployment.command.cloud_hypervisor_unsupported']]],
  ['a cloud-hypervisor deployment with an image reference', { runtime: 'cloud-hypervisor', image: 'nginx' },
    [['image', 'deployment.image.cloud_hypervisor_requires_absolute_path']]],
  ['host networking on cloud-hypervisor', { runtime: 'cloud-hypervisor', image: '/vm.raw', network: { mode: 'host' } },
    [['network.mode', 'deployment.network.host_runtime_unsupported']]],
  ['host networking on podman is fine', { runtime: 'podman', network: { mode: 'host' } }, []],
  ['an unknown network mode', { network: { mode: 'overlay' } }, [['network.mode', 'deployment.network.mode.unsupported']]],
  ['host networking with ports', { network: { mode: 'host' }, ports: [{ published: 80, target: 80 }] },
    [['ports', 'deployment.ports.host_network_conflict']]],
  ['host networking with two replicas', { network: { mode: 'host' }, replicas: 2 },
    [['replicas', 'deployment.replicas.host_network_conflict']]],
  ['host networking with autoscale max 2', { network: { mode: 'host' }, autoscale: { min: 1, max: 2, target_cpu: 50 } },
    [['autoscale.max', 'deployment.autoscale.host_network_conflict']]],
  ['a published port of 0', { ports: [{ published: 0, target: 80 }] },
    [['ports[0].published', 'deployment.ports.published.out_of_range']]],
  ['a published port above 65535', { ports: [{ published: 70000, target: 80 }] },
    [['ports[0].published', 'deployment.ports.published.out_of_range']]],
  ['a target port above 65535', { ports: [{ published: 8080, target: 65536 }] },
    [['ports[0].target', 'deployment.ports.target.out_of_range']]],
  ['an invalid host_ip', { ports: [{ published: 8080, target: 80, host_ip: '300.1.1.1' }] },
    [['ports[0].host_ip', 'deployment.ports.host_ip.invalid']]],
  ['an IPv6 host_ip is fine', { ports: [{ published: 8080, target: 80, host_ip: '::1' }] }, []],
  ['an unknown protocol', { ports: [{ published: 8080, target: 80, protocol: 'sctp' }] },
    [['ports[0].protocol', 'deployment.ports.protocol.unsupported']]],
  ['a duplicate published port is flagged on the later index',
    { ports: [{ published: 8080, target: 80 }, { published: 8081, target: 81 }, { published: 8080, target: 82, protocol: 'tcp' }] },
    [['ports[2].published', 'deployment.ports.published.duplicate']]],
  ['the same published port over tcp and udp is fine',
    { ports: [{ published: 53, target: 53 }, { published: 53, target: 53, protocol: 'udp' }] }, []],
  ['an environment key starting with a digit', { environment: { '1BAD': 'x' } },
    [['environment.1BAD', 'deployment.environment.key.invalid']]],
  ['an environment key with a dash', { environment: { 'MY-VAR': 'x' } },
    [['environment.MY-VAR', 'deployment.environment.key.invalid']]],
  ['an environment value that is neither string nor secretRef', { environment: { A: 3 } },
    [['environment.A', 'deployment.environment.value.invalid']]],
  ['an unparseable cpu limit', { resources: { limits: { cpu: 'lots' } } },
    [['resources.limits.cpu', 'deployment.resources.limits.cpu.invalid']]],
  ['an unparseable memory limit', { resources: { limits: { memory: '12XB' } } },
    [['resources.limits.memory', 'deployment.resources.limits.memory.invalid']]],
  ['an unparseable cpu request', { resources: { requests: { cpu: '-1' } } },
    [['resources.requests.cpu', 'deployment.resources.requests.cpu.invalid']]],
  ['an unparseable memory request', { resources: { requests: { memory: '1mb' } } },
    [['resources.requests.memory', 'deployment.resources.requests.memory.invalid']]],
  ['autoscale with min 0', { autoscale: { min: 0, max: 2, target_cpu: 50 } },
    [['autoscale.min', 'deployment.autoscale.invalid']]],
  ['autoscale with max below min', { autoscale: { min: 3, max: 2, target_cpu: 50 } },
    [['autoscale.max', 'deployment.autoscale.invalid']]],
  ['autoscale with target_cpu 100', { autoscale: { min: 1, max: 2, target_cpu: 100 } },
    [['autoscale.target_cpu', 'deployment.autoscale.invalid']]],
  ['autoscale with target_cpu 0', { autoscale: { min: 1, max: 2, target_cpu: 0 } },
    [['autoscale.target_cpu', 'deployment.autoscale.invalid']]],
  ['autoscale on containerd', { runtime: 'containerd', autoscale: { min: 1, max: 2, target_cpu: 50 } },
    [['autoscale', 'deployment.autoscale.runtime_unsupported']]],
  ['an image_pull_policy in the wrong case', { config: { image_pull_policy: 'always' } },
    [['config.image_pull_policy', 'deployment.config.image_pull_policy.unsupported']]],
  ['use_host_auth with inline credentials', { config: { use_host_auth: true, username: 'u', password: 'p' } },
    [['config.use_host_auth', 'deployment.config.use_host_auth.conflict']]],
  ['use_host_auth false with inline credentials is fine', { config: { use_host_auth: false, server: 's', username: 'u', password: 'p' } }, []],
  ['image_pull_secret with inline credentials', { config: { image_pull_secret: 'reg', server: 'r.io' } },
    [['config.image_pull_secret', 'deployment.config.image_pull_secret.conflict']]],
  ['image_pull_secret with use_host_auth', { config: { image_pull_secret: 'reg', use_host_auth: true } },
    [['config.image_pull_secret', 'deployment.config.image_pull_secret.conflict']]],
  ['ports with two replicas give two violations', { replicas: 2, ports: [{ published: 8080, target: 80 }] },
    [['ports', 'deployment.ports.replicas_conflict'], ['replicas', 'deployment.replicas.ports_conflict']]],
  ['a read-write named volume with two replicas', { replicas: 2, volumes: [vol({ type: 'volume', source: 'data' })] },
    [['volumes[0].permission', 'deployment.volumes.shared_rw_replicas']]],
  ['a read-write bind volume with two replicas is fine', { replicas: 2, volumes: [vol({ type: 'bind', source: '/srv' })] }, []],
  ['a job with two replicas', { kind: 'job', replicas: 2 }, [['replicas', 'deployment.replicas.job_must_be_one']]],
  ['a job with zero replicas', { kind: 'job', replicas: 0 }, [['replicas', 'deployment.replicas.job_must_be_one']]],
  ['a job with autoscale', { kind: 'job', autoscale: { min: 1, max: 1, target_cpu: 50 } },
    [['autoscale', 'deployment.autoscale.job_unsupported']]],
  ['a job with a readiness check', { kind: 'job', health_checks: [hc({}), hc({ readiness: true })] },
    [['health_checks[1].readiness', 'deployment.health_checks.job_readiness_unsupported']]],
  ['a job with a liveness check is fine', { kind: 'job', health_checks: [hc({ readiness: false })] }, []],

  // health checks, beyond Ring
  ['a health check with an unknown type', { health_checks: [hc({ type: 'grpc' })] },
    [['health_checks[0].type', 'deployment.health_checks.type.invalid']]],
  ['a tcp check without port', { health_checks: [hc({ port: undefined })] },
    [['health_checks[0].port', 'deployment.health_checks.port.invalid']]],
  ['a tcp check with port 70000', { health_checks: [hc({ port: 70000 })] },
    [['health_checks[0].port', 'deployment.health_checks.port.invalid']]],
  ['an http check without url', { health_checks: [hc({ type: 'http' })] },
    [['health_checks[0].url', 'deployment.health_checks.url.invalid']]],
  ['an http check with a non-http url', { health_checks: [hc({ type: 'http', url: 'ftp://x/' })] },
    [['health_checks[0].url', 'deployment.health_checks.url.invalid']]],
  ['a command check without command', { health_checks: [hc({ type: 'command', command: '' })] },
    [['health_checks[0].command', 'deployment.health_checks.command.invalid']]],
  ['a health check with an unparseable interval', { health_checks: [hc({ interval: '5' })] },
    [['health_checks[0].interval', 'deployment.health_checks.interval.invalid']]],
  ['a health check without interval', { health_checks: [hc({ interval: undefined })] },
    [['health_checks[0].interval', 'deployment.health_checks.interval.invalid']]],
  ['a health check with a zero timeout', { health_checks: [hc({ timeout: '0s' })] },
    [['health_checks[0].timeout', 'deployment.health_checks.timeout.invalid']]],
  ['a health check with garbage timeout', { health_checks: [hc({ timeout: 'abc' })] },
    [['health_checks[0].timeout', 'deployment.health_checks.timeout.invalid']]],
  ['a health check with a bad min_healthy_time', { health_checks: [hc({ min_healthy_time: '10x' })] },
    [['health_checks[0].min_healthy_time', 'deployment.health_checks.min_healthy_time.invalid']]],
  ['a health check with a bad start_period', { health_checks: [hc({ start_period: '-1s' })] },
    [['health_checks[0].start_period', 'deployment.health_checks.start_period.invalid']]],
  ['a health check with threshold 0', { health_checks: [hc({ threshold: 0 })] },
    [['health_checks[0].threshold', 'deployment.health_checks.threshold.invalid']]],
  ['a health check with an unknown on_failure', { health_checks: [hc({ on_failure: 'reboot' })] },
    [['health_checks[0].on_failure', 'deployment.health_checks.on_failure.invalid']]],
];

for (const [sentence, overrides, expected] of cases) {
  test(`validation flags ${sentence}`, () => {
    assert.deepEqual(pairs(validateDeployment(body(overrides))), expected);
  });
}

test('all violations at once are accumulated in order', () => {
  const vs = validateDeployment(body({
    replicas: -1,
    ports: [{ published: 70000, target: 80 }],
    environment: { '1BAD': 'x' },
  }));
  assert.deepEqual(pairs(vs), [
    ['replicas', 'deployment.replicas.invalid'],
    ['ports[0].published', 'deployment.ports.published.out_of_range'],
    ['environment.1BAD', 'deployment.environment.key.invalid'],
  ]);
  for (const x of vs) assert.ok(x.message.length > 0);
});

test('table rules keep the table order across fields', () => {
  const vs = validateDeployment(body({
    runtime: 'containerd',
    kind: 'job',
    replicas: 2,
    volumes: [vol({ type: 'volume', source: 'd' })],
    ports: [{ published: 80, target: 80 }],
    autoscale: { min: 1, max: 2, target_cpu: 50 },
    config: { image_pull_policy: 'Sometimes' },
  }));
  assert.deepEqual(vs.map((x) => x.code), [
    'deployment.autoscale.runtime_unsupported',
    'deployment.config.image_pull_policy.unsupported',
    'deployment.ports.replicas_conflict',
    'deployment.replicas.ports_conflict',
    'deployment.volumes.shared_rw_replicas',
    'deployment.replicas.job_must_be_one',
    'deployment.autoscale.job_unsupported',
  ]);
});

test('validation never throws on malformed bodies', () => {
  const weird = [null, 42, 'x', [], { ports: 'nope', volumes: [1], health_checks: [null], environment: [], resources: 5, autoscale: 'x' }];
  for (const b of weird) assert.ok(Array.isArray(validateDeployment(b as unknown as DeploymentSpec)));
});

test('validation accepts a body without the defaulted fields', () => {
  assert.deepEqual(validateDeployment({ name: 'web', namespace: 'prod', runtime: 'docker', image: 'nginx' } as DeploymentSpec), []);
});

test('validateNamespaceName fires both rules for "-"', () => {
  assert.deepEqual(pairs(validateNamespaceName('-', 'namespace')), [
    ['name', 'namespace.name.length'],
    ['name', 'namespace.name.format'],
  ]);
});

const nsCases: [string, string[]][] = [
  ['ab', []],
  ['team-a', []],
  ['a'.repeat(63), []],
  ['a', ['namespace.name.length']],
  ['a'.repeat(64), ['namespace.name.length']],
  ['Team', ['namespace.name.format']],
  ['team-', ['namespace.name.format']],
  ['te_am', ['namespace.name.format']],
  ['', ['namespace.name.length', 'namespace.name.format']],
];
for (const [name, codes] of nsCases) {
  test(`validateNamespaceName gives ${JSON.stringify(codes)} for ${JSON.stringify(name.length > 10 ? `${name.length} chars` : name)}`, () => {
    assert.deepEqual(validateNamespaceName(name, 'namespace').map((x) => x.code), codes);
  });
}

test('namespaceViolations serves other resources with their own prefix and path', () => {
  assert.deepEqual(pairs(namespaceViolations('X', 'namespace', 'secret.namespace')), [
    ['namespace', 'secret.namespace.length'],
    ['namespace', 'secret.namespace.format'],
  ]);
});

test('toProblemDetail joins "<path>: <message>" lines', () => {
  const vs: Violation[] = [
    { property_path: 'replicas', message: 'bad', code: 'a' },
    { property_path: 'ports[0].published', message: 'worse', code: 'b' },
  ];
  assert.equal(toProblemDetail(vs), 'replicas: bad\nports[0].published: worse');
  assert.equal(toProblemDetail([]), '');
  assert.deepEqual(validationProblem(vs), {
    type: 'about:blank', title: 'Validation failed', status: 422,
    detail: 'replicas: bad\nports[0].published: worse', violations: vs,
  });
});

test('applyDeploymentDefaults fills kind, replicas, maps and lists', () => {
  const spec = applyDeploymentDefaults({ name: 'web', namespace: 'prod', runtime: 'docker', image: 'nginx' });
  assert.deepEqual(spec, {
    name: 'web', namespace: 'prod', runtime: 'docker', kind: 'worker', image: 'nginx', replicas: 1,
    command: [], environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [],
  });
});

test('applyDeploymentDefaults keeps given values, drops null optionals and stays faithful below the top level', () => {
  const input = {
    name: 'j', namespace: 'prod', runtime: 'docker' as const, image: 'busybox', kind: 'job' as const, replicas: 0,
    ports: [{ published: 80, target: 80 }], config: { username: 'u' }, resources: null, network: { mode: 'host' as const },
  };
  const spec = applyDeploymentDefaults(input);
  assert.equal(spec.kind, 'job');
  assert.equal(spec.replicas, 0);
  assert.deepEqual(spec.ports, [{ published: 80, target: 80 }]);
  assert.deepEqual(spec.config, { username: 'u' });
  assert.equal('resources' in spec, false);
  assert.deepEqual(spec.network, { mode: 'host' });
  assert.equal('autoscale' in spec, false);
});

